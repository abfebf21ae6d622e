// Every field of the two page types a caller reads without a workflow behind it, and the
// notifications page: the answers bench/api-cpu.ts writes and bench/api-cpu-compare.ts compares
// byte for byte between two builds.
const PAGE_SIZE = 50;
const MONEY = 'amount currency';
const COUNTERPARTY = 'partyId legalName creditCode';
const BUCKETS = `principal { ${MONEY} } interest { ${MONEY} } fees { ${MONEY} } penalty { ${MONEY} } total { ${MONEY} }`;
const RECEIVABLE_ALL = `id registrationNumber status contractNumber currency faceAmount { ${MONEY} } confirmedAmount { ${MONEY} } dueDate documentHashes registeredAt
  confirmationDeadline confirmedAt closedReason attention { step } supplier { ${COUNTERPARTY} } obligor { ${COUNTERPARTY} }
  invoices { lineNumber invoiceCode invoiceNumber amount { ${MONEY} } issueDate }
  history { fromStatus toStatus actorName actorParty { legalName } reason occurredAt } documents { id kind fileName sha256 }`;
const FINANCING_ALL = `id financingNumber status principal { ${MONEY} } interest { ${MONEY} } fees { ${MONEY} } netDisbursement { ${MONEY} }
  repaymentAtMaturity { ${MONEY} } effectiveAnnualRate valueDate dueDate tenorDays appliedAt acknowledgementDeadline approvalDeadline
  acknowledgedAt acknowledgedBy approvedAt approvedBy approvalConfirmedAt approvalConfirmedBy closedReason fundingDeadline disbursedAt
  disbursed { ${MONEY} } quoted { interest { ${MONEY} } } outstanding { ${BUCKETS} } repaid { ${BUCKETS} } penaltyAccrued { ${MONEY} }
  penaltyChargedThrough penaltyDays penaltyReversed { ${MONEY} } overpaymentHeld { ${MONEY} } overdueSince surplusReturned { ${MONEY} }
  recourseClaimed { ${MONEY} } settledAt collectionAccount { bankName accountName virtualAccountNumber } attention { step }
  supplier { ${COUNTERPARTY} } funder { ${COUNTERPARTY} } obligor { ${COUNTERPARTY} }
  receivable { ${RECEIVABLE_ALL} } program { id name } terms { version }
  history { fromStatus toStatus actorName reason occurredAt } documents { id kind }
  payouts(first: 2) { totalCount edges { node { id status amount { ${MONEY} } } } }
  repayments(first: 2) { totalCount edges { node { id collected { ${MONEY} } } } }
  ledgerTransactions(first: 5) { totalCount edges { node { id code entries { direction amount { ${MONEY} } } } } }`;
export const ANSWERED: Record<string, string> = {
  receivables: `query { receivables(first: ${PAGE_SIZE}) { totalCount edges { cursor node { ${RECEIVABLE_ALL} } } } }`,
  financings: `query { financings(first: ${PAGE_SIZE}) { totalCount edges { cursor node { ${FINANCING_ALL} } } } }`,
  notifications: `query { notifications(first: ${PAGE_SIZE}) { edges { node { id receivable { id status faceAmount { ${MONEY} } } financing { id status principal { ${MONEY} } funder { legalName } } } } } }`,
};
