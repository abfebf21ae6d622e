import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../../../domain/credit-code';
import { ValidationError } from '../../../domain/errors';
import { validatePartyInput } from '../../../domain/party-rules';
import { compactText, extractPdfText } from '../../../test/support/pdf';
import { type RegistrationCertificateData, renderRegistrationCertificate } from './registration-certificate';

// A party's legal name is printed on every document it is a party to: the registration
// certificate of each receivable it registers, the confirmation letter, the notice of
// assignment, the terms summary, the disbursement advice and the settlement statement. The
// renderer refuses to draw a character its font lacks (rather than print an empty box), and a
// document that cannot be drawn keeps its workflow waiting for an operator who can do nothing
// about it. So whatever legal name the platform registers, its documents must print it: either
// the name is refused when the party is created, with a typed error on `legalName`, or the
// certificate shows the name exactly as registered. Today the name is registered, and every
// document naming the party fails to render.

const OBLIGOR = '中国东方重工集团股份有限公司';
const SUPPLIER_CREDIT_CODE = `91440300MA5G8K7X2${creditCodeCheckCharacter('91440300MA5G8K7X2')}`;

function certificateOf(supplierName: string): RegistrationCertificateData {
  return {
    registrationNumber: 'REG-20261207-000042',
    registeredAt: new Date('2026-12-07T02:30:00Z'),
    supplier: { legalName: supplierName, creditCode: SUPPLIER_CREDIT_CODE },
    obligor: { legalName: OBLIGOR, creditCode: '91110000100000000X' },
    contractNumber: 'HT-2026-0815',
    currency: 'CNY',
    faceAmount: '800000.00',
    dueDate: '2027-03-05',
    invoices: [{ code: '044002300111', number: '12345678', amount: '800000.00', issueDate: '2026-12-01' }],
    documentHashes: [],
  };
}

describe('a legal name the platform registers is one its documents print', () => {
  it.each([
    ['a rare Chinese character (U+2123D, CJK Extension B)', '深圳市𡈽华精密电子有限公司'],
    ['an emoji (U+1F600)', '深圳市华强精密电子有限公司😀'],
  ])('a supplier whose legal name holds %s is refused at registration or named on its registration certificate', async (_, legalName) => {
    let registered: string;
    try {
      registered = validatePartyInput({ legalName, creditCode: SUPPLIER_CREDIT_CODE, roles: ['SUPPLIER'] }).legalName;
    } catch (error) {
      // Refused when the party is created: a clear typed error on the name, nothing stored.
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path.join('.'))).toEqual(['input.legalName']);
      return;
    }
    expect(registered).toBe(legalName);
    // Registered: then the certificate of its first receivable must render and name it as registered.
    const bytes = await renderRegistrationCertificate(certificateOf(registered));
    const [page] = await extractPdfText(bytes);
    expect(compactText(page!)).toContain(compactText(registered));
    expect(compactText(page!)).toContain('CNY800,000.00');
  });
});
