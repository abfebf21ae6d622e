import type { ProgramTermsInput } from '../../domain/program-rules';
import type { PrismaClient } from '../../prisma/client';
import { collectionAccountCode, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { receiveInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { getBalance } from '../../prisma/stores/ledger/balances';
import { recordPayoutOutcome } from '../../prisma/stores/payout-store';
import { claimRecourse, serviceFinancing } from '../../prisma/stores/servicing-store';
import { businessTimeAfter, createFinancingParties, disbursedAt } from './financings';

// A financing whose recourse step runs late (docs/workflows/financing.md, "Recourse and money the
// bank received before it"): 800,000.00 financed, due on D, penalty 400.00 a day after 3 grace
// days, recourse after 30 days. Day 0 is 50 days ago at 10:00, the receivable due on day 10 (D),
// so D+30 is day 40; the wake-ups up to D+29 ran on time, and the worker is down from D+30.

/** The core enterprise's bank account, as its transfers name it. */
export const CORE_ENTERPRISE_PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款 repayment' };

export async function virtualAccountNumberOf(prisma: PrismaClient, code: string): Promise<string> {
  return (await findAccountByCode(prisma, code))!.virtualAccountNumber!;
}

/** Disbursed, paid out and settled at the bank; the supplier holds `own` of its own. `terms` on top of the program's. */
export async function financedWithRecourse(prisma: PrismaClient, own = '900000.00', terms: Partial<ProgramTermsInput> = {}) {
  const parties = await createFinancingParties(prisma, { recourse: true, recourseAfterDays: 30, ...terms });
  const f = await disbursedAt(prisma, parties, businessTimeAfter(new Date(), -50, 10), { payoutAccount: true });
  const payout = f.payout!;
  const view = { payoutReference: payout.payoutReference, amount: payout.amount.toFixed(2), currency: 'CNY', bankReference: `BNK-${f.id}`, failureReason: null, failedAt: null, settledAt: f.at(0, 11), returnedAt: null, returnReason: null };
  await recordPayoutOutcome(prisma, payout.id, { kind: 'BANK', view: { ...view, status: 'SETTLED' } }, f.at(0, 11));
  const supplierCode = partyAccountCode(f.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
  await receiveInboundCredit(prisma, { bankReference: `SUPPLIER-OWN-${f.id}`, virtualAccountNumber: await virtualAccountNumberOf(prisma, supplierCode), amount: own, currency: 'CNY', ...CORE_ENTERPRISE_PAYER, payerName: '深圳市华强精密电子有限公司', receivedAt: f.at(1, 10) });
  return { ...f, parties, supplierCode, collectionVan: await virtualAccountNumberOf(prisma, collectionAccountCode(f.id, 'CNY')) };
}

/** As financedWithRecourse, and serviced on time up to D+29. */
export async function financedWithRecourseServicedToD29(prisma: PrismaClient, own = '900000.00', terms: Partial<ProgramTermsInput> = {}) {
  const f = await financedWithRecourse(prisma, own, terms);
  for (let day = 11; day <= 39; day += 1) await serviceFinancing(prisma, f.id, f.date(day), `test:${f.id}:day-${day}`, f.at(day, 0, 30));
  return f;
}

export type FinancedWithRecourse = Awaited<ReturnType<typeof financedWithRecourseServicedToD29>>;

/** The wake-up of D+30, run at 00:30 on D+32: the step, then recourse, as the workflow does. */
export async function lateRecourseStep(prisma: PrismaClient, f: FinancedWithRecourse): Promise<void> {
  await serviceFinancing(prisma, f.id, f.date(42), `test:${f.id}:day-42`, f.at(42, 0, 30));
  await claimRecourse(prisma, f.id, f.at(42, 0, 30));
}

/** What the funder received, what recourse and surplus stand at, and what the supplier holds. */
export async function recourseOutcome(prisma: PrismaClient, f: FinancedWithRecourse) {
  const financing = await prisma.financing.findUniqueOrThrow({ where: { id: f.id } });
  return {
    status: financing.status,
    funderReceived: financing.repaidPenalty.plus(financing.repaidInterest).plus(financing.repaidPrincipal).toFixed(2),
    penaltyAccrued: financing.penaltyAccrued.toFixed(2),
    recourseClaimed: financing.recourseClaimed.toFixed(2),
    surplusReturned: financing.surplusReturned.toFixed(2),
    supplierHolds: (await getBalance(prisma, (await findAccountByCode(prisma, f.supplierCode))!.id)).posted.toFixed(2),
  };
}
