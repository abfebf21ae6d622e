// What the receivable's documents show, as plain values: amounts are decimal strings and
// business dates "YYYY-MM-DD", exactly as they travel in workflow payloads.

export interface PartyRef {
  legalName: string;
  /** The unified social credit code (统一社会信用代码). */
  creditCode: string;
}

export interface InvoiceLine {
  code: string;
  number: string;
  /** A decimal string in the receivable's currency. */
  amount: string;
  /** YYYY-MM-DD */
  issueDate: string;
}

export interface RegistrationCertificateData {
  registrationNumber: string;
  registeredAt: Date;
  supplier: PartyRef;
  obligor: PartyRef;
  contractNumber: string;
  currency: string;
  faceAmount: string;
  /** YYYY-MM-DD */
  dueDate: string;
  invoices: InvoiceLine[];
  /** SHA-256 digests (hex) of the supporting documents uploaded with the receivable. */
  documentHashes: string[];
}

export interface ConfirmationLetterData extends RegistrationCertificateData {
  confirmedAmount: string;
  confirmedAt: Date;
  /** Display name of the core enterprise's user who confirmed. */
  confirmedBy: string;
}
