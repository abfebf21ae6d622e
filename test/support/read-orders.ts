import { Decimal } from '../../domain/money';
import type { ProgramTermsInput } from '../../domain/program-rules';
import type { PrismaClient } from '../../prisma/client';
import { collectionAccountCode, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { getBalance } from '../../prisma/stores/ledger/balances';
import { serviceFinancing } from '../../prisma/stores/servicing-store';
import type { TestApi } from './api';
import { businessTimeAfter, createFinancingParties, disbursedAt, type FinancingParties } from './financings';
import { globalId } from './global-ids';
import { CORE_ENTERPRISE_PAYER, virtualAccountNumberOf } from './late-recourse';

// Money counts from the day the bank received it, whenever it is read: the tests of repayments
// read out of order run the same transfers on two financings, one read in order and one not, and
// compare what each party ends with (overdueFinancing, readOrderOutcome).

const REPAYMENTS = `query ($id: ID!) { financing(id: $id) { ... on Financing {
  repayments(first: 100) { edges { node { valueDate collected { amount } penalty { amount } fees { amount } interest { amount } principal { amount } surplus { amount } overpaid { amount } } } } } } }`;

/**
 * 800,000.00 financed on a receivable of 1,000,000.00 (confirmed), disbursed 30 days ago at 10:00
 * (day 0), due on day 10 (D), no recourse; serviced on time (00:30 each day) through D+`through`
 * (4 unless told), under the test program's terms with `terms` over them. `pays` books a transfer of the core enterprise received by the bank on `day`
 * at 10:00; `step` is the servicing step of `day`.
 */
export async function overdueFinancing(prisma: PrismaClient, { through = 4, terms = {} }: { through?: number; terms?: Partial<ProgramTermsInput> } = {}) {
  const parties = await createFinancingParties(prisma, terms);
  const f = await disbursedAt(prisma, parties, businessTimeAfter(new Date(), -30, 10));
  const collectionVan = await virtualAccountNumberOf(prisma, collectionAccountCode(f.id, 'CNY'));
  const pays = (reference: string, amount: string, day: number) =>
    receiveInboundCredit(prisma, { bankReference: `${reference}-${f.id}`, virtualAccountNumber: collectionVan, amount, currency: 'CNY', ...CORE_ENTERPRISE_PAYER, receivedAt: f.at(day, 10) });
  const step = (day: number) => serviceFinancing(prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
  for (let day = 11; day <= 10 + through; day += 1) await step(day);
  return { ...f, parties, pays, step };
}

/** Where a financing's money ended: its figures, each party's account, what suspense holds for the payer, and its repayments as the funder reads them from the API. */
export async function readOrderOutcome(prisma: PrismaClient, api: TestApi, f: { id: string; parties: FinancingParties }) {
  const financing = await prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
  const posted = async (code: string) => (await getBalance(prisma, (await findAccountByCode(prisma, code))!.id)).posted.toFixed(2);
  const found = await api.call(f.parties.funder.token, REPAYMENTS, { id: globalId('Financing', f.id) });
  const held = await prisma.inboundException.findMany({ where: { financingId: f.id, status: 'OPEN' }, orderBy: { createdAt: 'asc' } });
  return {
    status: financing.status,
    settledAt: financing.settledAt?.toISOString(),
    repaid: { penalty: financing.repaidPenalty.toFixed(2), interest: financing.repaidInterest.toFixed(2), principal: financing.repaidPrincipal.toFixed(2) },
    outstanding: {
      principal: financing.principalOutstanding.toFixed(2),
      interest: financing.interestOutstanding.toFixed(2),
      fees: financing.feesOutstanding.toFixed(2),
      penalty: financing.penaltyOutstanding.toFixed(2),
    },
    penaltyAccrued: financing.penaltyAccrued.toFixed(2),
    surplusReturned: financing.surplusReturned.toFixed(2),
    overpaymentHeld: financing.overpaymentHeld.toFixed(2),
    funderAccount: await posted(partyAccountCode(f.parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')),
    supplierAccount: await posted(partyAccountCode(financing.supplierPartyId, 'SUPPLIER_SETTLEMENT', 'CNY')),
    collectionAccount: await posted(collectionAccountCode(f.id, 'CNY')),
    // The payer's money in suspense for this financing, waiting for a refund.
    heldForPayer: held.map((row) => `${row.reason} ${row.heldAmount?.toFixed(2)}`),
    // In all: a repayment allocated again holds what it adds under an exception of its own.
    heldForPayerInAll: held.reduce((sum, row) => sum.plus(row.heldAmount ?? 0), new Decimal(0)).toFixed(2),
    // As the API shows them, by value date (the API lists them in the order they were allocated).
    repayments: (found.repayments.edges as Array<{ node: Record<string, unknown> }>).map((edge) => edge.node).sort((a, b) => String(a.valueDate).localeCompare(String(b.valueDate))),
  };
}
