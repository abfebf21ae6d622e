import type { DocumentSpec } from './document-spec';
import { formatShanghaiTime } from '../../../domain/business-date';
import type { RegistrationCertificateData } from './receivable-document-data';
import { receivableSections } from './receivable-sections';
import { renderDocument } from './render-document';

export type { InvoiceLine, PartyRef, RegistrationCertificateData } from './receivable-document-data';

export const REGISTRY_FOOTER_NOTE =
  '本文件由平台依据登记记录生成，平台留存其 SHA-256 摘要，可据以核验文件未被篡改。 Generated from the registry records; the platform keeps its SHA-256 digest to verify that the file is unaltered.';

/** The certificate's content; exported so tests can check wording without parsing a PDF. */
export function registrationCertificateSpec(data: RegistrationCertificateData): DocumentSpec {
  const registeredAt = formatShanghaiTime(data.registeredAt);
  return {
    title: '应收账款登记证明',
    subtitle: 'Receivable Registration Certificate',
    reference: data.registrationNumber,
    issuedAt: data.registeredAt,
    sections: [
      {
        kind: 'paragraph',
        text:
          `兹证明：下列应收账款已于 ${registeredAt}（UTC+08:00）在本平台登记，登记编号 ${data.registrationNumber}。` +
          '一项应收账款在同一时间只有一项有效登记；本登记有效期间，该应收账款不能再次登记。\n' +
          `This certifies that the receivable below was registered on the platform at ${registeredAt} (UTC+08:00) under number ${data.registrationNumber}. ` +
          'One asset, one active registration: while this registration is active, the receivable cannot be registered again.',
      },
      ...receivableSections(data),
    ],
    footerNote: REGISTRY_FOOTER_NOTE,
  };
}

/** The registration certificate (应收账款登记证明) issued when a receivable is registered. */
export function renderRegistrationCertificate(data: RegistrationCertificateData): Promise<Uint8Array> {
  return renderDocument(registrationCertificateSpec(data));
}
