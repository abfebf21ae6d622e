import type { FinancingDocumentData } from '../../workflows/activities/documents/financing-document-data';

// The financing the document tests print: the hand-computed case of docs/pricing.md
// (800,000.00 CNY at 6%, ACT/360, 90 days, UPFRONT, 0.1% fee), with long Chinese names.

export const SUPPLIER = '深圳市华南精密电子制造有限公司';
export const OBLIGOR = '中国东方重工集团股份有限公司';
export const FUNDER = '招商银行股份有限公司深圳分行';
export const COLLECTION_ACCOUNT = '755912345678900012';

export const FINANCING_DOCUMENT: FinancingDocumentData = {
  financingNumber: 'FIN-2026-00000012',
  appliedAt: new Date('2026-11-20T03:15:00Z'),
  supplier: { legalName: SUPPLIER, creditCode: '91440300MA5G8K7X2R' },
  obligor: { legalName: OBLIGOR, creditCode: '91110000100000000X' },
  funder: { legalName: FUNDER, creditCode: '914403008921436975' },
  receivable: {
    registrationNumber: 'REG-20261101-000456',
    contractNumber: 'HT-2026-0188',
    faceAmount: '1000000.00',
    confirmedAmount: '1000000.00',
    dueDate: '2027-02-20',
    invoices: [
      { code: '044002300111', number: '22345678', amount: '600000.00', issueDate: '2026-10-28' },
      { code: '044002300111', number: '22345679', amount: '400000', issueDate: '2026-10-30' },
    ],
  },
  currency: 'CNY',
  program: {
    code: 'PRG-DFZG-2026',
    name: '东方重工供应链融资计划',
    assignmentMode: 'OPEN',
    recourse: true,
    recourseAfterDays: 30,
    graceDays: 3,
    penaltyRate: '0.18',
  },
  terms: {
    principal: '800000.00',
    annualRate: '0.06',
    dayCount: 'ACT_360',
    interestMode: 'UPFRONT',
    interest: '12000.00',
    fees: '800.00',
    netDisbursement: '787200.00',
    repaymentAtMaturity: '800000.00',
    effectiveAnnualRate: '0.065944',
    valueDate: '2026-11-22',
    dueDate: '2027-02-20',
    tenorDays: 90,
  },
  collectionAccount: { bankName: '招商银行深圳分行营业部', accountName: `${FUNDER}回款专户`, virtualAccountNumber: COLLECTION_ACCOUNT },
};
