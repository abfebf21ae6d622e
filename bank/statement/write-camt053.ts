import { XMLBuilder } from 'fast-xml-parser';
import type { StatementDocument, StatementEntry } from './statement-document';

// Writes one day's statement as ISO 20022 camt.053.001.08 (BkToCstmrStmt), the message a bank
// sends its customer at the end of each day. Only the elements docs/reconciliation.md lists are
// written; parse-camt053.ts reads the same ones back.

export const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

/** Bank transaction codes (BkTxCd, domain PMNT) by entry kind: how the file says what an entry is. */
export const CAMT053_TRANSACTION_CODES: Record<StatementEntry['kind'], { family: string; subFamily: string; reversal?: true }> = {
  /** Received credit transfer. */
  INBOUND_CREDIT: { family: 'RCDT', subFamily: 'ESCT' },
  /** Received credit transfer, reversed (RvslInd) by the bank that booked it in error: a debit. */
  INBOUND_CREDIT_REVERSAL: { family: 'RCDT', subFamily: 'ESCT', reversal: true },
  /** Issued credit transfer. */
  PAYOUT: { family: 'ICDT', subFamily: 'ESCT' },
  /** Issued credit transfer, reversed because the beneficiary's bank returned it. */
  PAYOUT_RETURN: { family: 'ICDT', subFamily: 'RRTN' },
};

function account(accountNumber: string) {
  return { Id: { Othr: { Id: accountNumber } } };
}

function balance(code: 'OPBD' | 'CLBD', amount: string, currency: string, date: string) {
  const negative = amount.startsWith('-');
  return {
    Tp: { CdOrPrtry: { Cd: code } },
    Amt: { '@_Ccy': currency, '#text': negative ? amount.slice(1) : amount },
    CdtDbtInd: negative ? 'DBIT' : 'CRDT',
    Dt: { Dt: date },
  };
}

function party(name: string | null) {
  return name === null ? undefined : { Pty: { Nm: name } };
}

function entry(item: StatementEntry) {
  const code = CAMT053_TRANSACTION_CODES[item.kind];
  return {
    Amt: { '@_Ccy': item.currency, '#text': item.amount },
    CdtDbtInd: item.direction === 'CREDIT' ? 'CRDT' : 'DBIT',
    ...(code.reversal ? { RvslInd: 'true' } : {}),
    Sts: { Cd: 'BOOK' },
    BookgDt: { Dt: item.bookingDate },
    ValDt: { Dt: item.valueDate },
    AcctSvcrRef: item.bankReference,
    BkTxCd: { Domn: { Cd: 'PMNT', Fmly: { Cd: code.family, SubFmlyCd: code.subFamily } } },
    NtryDtls: {
      TxDtls: {
        Refs: { AcctSvcrRef: item.bankReference, ...(item.endToEndId === null ? {} : { EndToEndId: item.endToEndId }) },
        RltdPties: {
          Dbtr: party(item.debtorName),
          DbtrAcct: item.debtorAccountNumber === null ? undefined : account(item.debtorAccountNumber),
          Cdtr: party(item.creditorName),
          CdtrAcct: item.creditorAccountNumber === null ? undefined : account(item.creditorAccountNumber),
        },
        RmtInf: { Ustrd: item.remittanceInformation },
      },
    },
  };
}

export function writeCamt053(statement: StatementDocument): string {
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', suppressEmptyNode: false });
  const createdAt = statement.createdAt.toISOString();
  const xml = builder.build({
    Document: {
      '@_xmlns': CAMT053_NAMESPACE,
      BkToCstmrStmt: {
        GrpHdr: { MsgId: statement.statementId, CreDtTm: createdAt },
        Stmt: {
          Id: statement.statementId,
          CreDtTm: createdAt,
          Acct: { ...account(statement.accountNumber), Ccy: statement.currency },
          Bal: [balance('OPBD', statement.openingBalance, statement.currency, statement.date), balance('CLBD', statement.closingBalance, statement.currency, statement.date)],
          Ntry: statement.entries.map(entry),
        },
      },
    },
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}
