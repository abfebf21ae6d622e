import { transfer } from '../../domain/ledger-rules';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import { partyAccountCode, platformAccountCode } from './chart-of-accounts';
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../client';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { lockAccounts } from './ledger/locks';
import { recordOverpaidException } from './inbound-exception-store';
import { postTransaction } from './ledger/postings';
import { notifyOperators, notifyParties } from './operator-notices';
import { runTransaction, type Tx } from './run-transaction';
import { sha256Hex } from './sha256-hex';
import { toDecimal } from './to-decimal';

// What the funder's funding account could not give back when money the bank received earlier was
// read late: recourse returned to a supplier (servicing-store.ts, returnRecourse;
// `financing.recourse_return_owed`), or a later repayment allocated again (reallocate;
// `repayment_allocation.surplus_owed` for the supplier, `overpaid_owed` for the payer, held in
// suspense). The funder owes it, and it goes back from the account's next credit (or released
// funding hold), in that database transaction, before the money can fund anything else. Nobody
// else's money and none of the platform's ever covers it (docs/ledger.md, "Recourse returned"
// and "Repayment reallocated").

/** Debts of each kind one credit pays back; the rest wait for the next credit (a funder owes a handful at most). */
export const DEBTS_PAID_PER_CREDIT_MAX = 20;

type Funding = { id: string; ownerPartyId: string; currency: Currency };

/**
 * A funder's funding account was credited in `tx` (a top-up, parked money applied to it, a
 * repayment of one of its financings) or a funding hold on it released (a financing expired
 * before its disbursement), under the account's lock: what the funder owes suppliers
 * and payers goes back, as far as the account's available balance goes (holds counted), one
 * posting per debt keyed by `cause`, so once per credit. A financing, repayment or account another
 * transaction holds at this instant is skipped (never waited for, so the lock order of the
 * credit's own transaction does not matter) and paid from the next credit.
 */
export async function payWhatFundersOwe(tx: Tx, account: { id: string; ownerPartyId: string | null; currency: string }, cause: string): Promise<void> {
  if (!account.ownerPartyId) return;
  const funding: Funding = { id: account.id, ownerPartyId: account.ownerPartyId, currency: account.currency as Currency };
  const currency = funding.currency;
  const owing = await tx.$queryRaw<{ id: string; financingNumber: string; supplierPartyId: string; owed: string }[]>`
    SELECT id::text AS id, financing_number AS "financingNumber", supplier_party_id::text AS "supplierPartyId", recourse_return_owed::text AS owed
      FROM financing
     WHERE funder_party_id = ${funding.ownerPartyId}::uuid AND currency = ${currency} AND recourse_return_owed > 0
     ORDER BY id
     LIMIT ${DEBTS_PAID_PER_CREDIT_MAX}
       FOR UPDATE SKIP LOCKED`;
  const reallocated = await reallocationsOwed(tx, funding);
  if (owing.length === 0 && reallocated.length === 0) return;
  let available = (await getBalance(tx, funding.id)).available;
  const [{ now }] = await tx.$queryRaw<[{ now: Date }]>`SELECT now() AS "now"`;
  for (const financing of owing) {
    if (available.lte(0)) return;
    const settlement = await lockedSupplierSettlement(tx, financing, currency);
    if (!settlement) continue;
    const owed = toDecimal(financing.owed);
    const paid = Decimal.min(owed, available);
    const key = `financing:${financing.id}:recourse-return-owed:${cause}`;
    await postTransaction(tx, {
      idempotencyKey: key,
      code: 'RECOURSE_RETURNED',
      description: `追索退回 recourse returned ${financing.financingNumber}: owed by the funder, paid from its funding account's credit`,
      effectiveAt: now,
      inOpenDay: true,
      metadata: { financingId: financing.id, cause },
      entries: transfer(funding.id, settlement, paid, currency),
    });
    await tx.financing.update({ where: { id: financing.id }, data: { recourseReturnOwed: { decrement: paid.toFixed() }, updatedAt: now } });
    available = available.minus(paid);
    await tellPaid(tx, { ...financing, funderPartyId: funding.ownerPartyId }, paid, owed.minus(paid), currency, key);
  }
  for (const repayment of reallocated) {
    if (available.lte(0)) return;
    available = available.minus(await payReallocationOwed(tx, funding, repayment, available, cause, now));
  }
}

/**
 * The daily sweep (the cut-off's, docs/workflows/cut-off.md): every funding account whose owner
 * owes suppliers or payers pays what it can, each in a transaction of its own under the
 * account's lock. A credit pays at once; this catches what none did: a debt skipped because
 * another transaction held its row or account at that instant, or money a hold released (a
 * financing repriced, a transfer ended). Returns how many accounts it looked at; throws after
 * the last when any failed, with each failure.
 */
export async function payWhatFundersOweEverywhere(prisma: PrismaClient): Promise<number> {
  const debtors = await prisma.$queryRaw<{ partyId: string; currency: string }[]>`
    SELECT f.funder_party_id::text AS "partyId", f.currency::text AS currency FROM financing f WHERE f.recourse_return_owed > 0
     UNION
    SELECT f.funder_party_id::text, f.currency::text FROM repayment_allocation a JOIN financing f ON f.id = a.financing_id WHERE a.surplus_owed > 0 OR a.overpaid_owed > 0`;
  const failures: unknown[] = [];
  for (const debtor of debtors) {
    // One funder's failure never holds back what the others pay; all are reported after.
    await runTransaction(prisma, async (tx) => {
      const account = await findAccountByCode(tx, partyAccountCode(debtor.partyId, 'FUNDER_FUNDING', debtor.currency as Currency));
      if (!account) return;
      await lockAccounts(tx, [account.id]);
      // Each pass is one transaction, whole or nothing: its own cause keys its postings.
      await payWhatFundersOwe(tx, account, `sweep:${randomUUID()}`);
    }).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw new AggregateError(failures, `what ${failures.length} of ${debtors.length} funders owe could not be paid`);
  return debtors.length;
}

type ReallocationOwed = {
  id: string;
  financingId: string;
  financingNumber: string;
  supplierPartyId: string;
  collectionAccountId: string;
  inboundCreditId: string | null;
  inboundExceptionId: string | null;
  surplusOwed: string;
  overpaidOwed: string;
};

/** Repayments of the funder's financings allocated again whose surplus or over-payment it still owes, locked (those another transaction holds are skipped). */
async function reallocationsOwed(tx: Tx, funding: Funding): Promise<ReallocationOwed[]> {
  return tx.$queryRaw<ReallocationOwed[]>`
    SELECT a.id::text AS id, f.id::text AS "financingId", f.financing_number AS "financingNumber", f.supplier_party_id::text AS "supplierPartyId",
           f.collection_account_id::text AS "collectionAccountId", a.inbound_credit_id::text AS "inboundCreditId", a.inbound_exception_id::text AS "inboundExceptionId",
           a.surplus_owed::text AS "surplusOwed", a.overpaid_owed::text AS "overpaidOwed"
      FROM repayment_allocation a
      JOIN financing f ON f.id = a.financing_id
     WHERE f.funder_party_id = ${funding.ownerPartyId}::uuid AND f.currency = ${funding.currency} AND (a.surplus_owed > 0 OR a.overpaid_owed > 0)
     ORDER BY a.id
     LIMIT ${DEBTS_PAID_PER_CREDIT_MAX}
       FOR UPDATE OF a SKIP LOCKED`;
}

/**
 * Pays what the funder owes of one reallocated repayment from `available`: the payer's part into
 * suspense, held as an OVERPAID exception for a refund of exactly what arrived (a refund never
 * pays out money not yet there), then the supplier's surplus. Returns what it paid.
 */
async function payReallocationOwed(tx: Tx, funding: Funding, repayment: ReallocationOwed, available: Decimal, cause: string, now: Date): Promise<Decimal> {
  const { currency } = funding;
  const key = `allocation:${repayment.id}:funder-owed:${cause}`;
  const post = (suffix: string, to: string, amount: Decimal) =>
    postTransaction(tx, {
      idempotencyKey: `${key}:${suffix}`,
      code: 'REPAYMENT_REALLOCATED',
      description: `还款重新分配 repayment reallocated ${repayment.financingNumber}: owed by the funder, paid from its funding account's credit`,
      effectiveAt: now,
      inOpenDay: true,
      metadata: { financingId: repayment.financingId, allocationId: repayment.id, cause },
      entries: transfer(funding.id, to, amount, currency),
    });
  let left = available;
  const toPayer = Decimal.min(toDecimal(repayment.overpaidOwed), left);
  const suspense = toPayer.gt(0) ? await findAccountByCode(tx, platformAccountCode('SUSPENSE', currency)) : null;
  if (toPayer.gt(0) && !suspense) throw new Error(`the platform has no ${currency} suspense account`);
  if (suspense && (await lockedNow(tx, suspense.id))) {
    await post('overpaid', suspense.id, toPayer);
    await recordOverpaidException(tx, {
      allocationId: repayment.id,
      financingId: repayment.financingId,
      financingNumber: repayment.financingNumber,
      collectionAccountId: repayment.collectionAccountId,
      amount: toPayer,
      currency,
      inboundCreditId: repayment.inboundCreditId,
      inboundExceptionId: repayment.inboundExceptionId,
      at: now,
      // One exception per credit that pays part of it: the bank reference is unique.
      cause: {
        reference: `reallocated:${repayment.id}:${sha256Hex(cause).slice(0, 12)}`,
        detail: `paid to financing ${repayment.financingNumber} beyond what it owed once money the bank received earlier (read later) counted; the funder's funding account gave it back from a later credit`,
      },
    });
    await tx.repaymentAllocation.update({ where: { id: repayment.id }, data: { overpaidOwed: { decrement: toPayer.toFixed() } } });
    left = left.minus(toPayer);
  }
  const toSupplier = Decimal.min(toDecimal(repayment.surplusOwed), left);
  const settlement = toSupplier.gt(0) ? await lockedSupplierSettlement(tx, repayment, currency) : null;
  if (settlement) {
    await post('surplus', settlement, toSupplier);
    await tx.repaymentAllocation.update({ where: { id: repayment.id }, data: { surplusOwed: { decrement: toSupplier.toFixed() } } });
    left = left.minus(toSupplier);
  }
  const paid = available.minus(left);
  if (paid.gt(0)) {
    const owed = toDecimal(repayment.overpaidOwed).plus(toDecimal(repayment.surplusOwed));
    await tellReallocationOwed(tx, { id: repayment.financingId, financingNumber: repayment.financingNumber, supplierPartyId: repayment.supplierPartyId, funderPartyId: funding.ownerPartyId }, { paid, owed: owed.minus(paid), currency }, key);
  }
  return paid;
}

/** Whether this transaction holds the account's row lock now; false when another one holds it (never waited for). */
async function lockedNow(tx: Tx, accountId: string): Promise<boolean> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM ledger_account WHERE id = ${accountId}::uuid FOR UPDATE SKIP LOCKED`;
  return locked.length > 0;
}

/** The supplier's settlement account, locked; null when another transaction holds it. */
async function lockedSupplierSettlement(tx: Tx, financing: { financingNumber: string; supplierPartyId: string }, currency: Currency): Promise<string | null> {
  const settlement = await findAccountByCode(tx, partyAccountCode(financing.supplierPartyId, 'SUPPLIER_SETTLEMENT', currency));
  if (!settlement) throw new Error(`financing ${financing.financingNumber}: the supplier has no ${currency} settlement account`);
  return (await lockedNow(tx, settlement.id)) ? settlement.id : null;
}

/**
 * The funder and operators are told what the funder owes of a repayment allocated again, or
 * (with `paid`) what of it went back and what is still pending; the supplier too, whose surplus
 * it may be. The payer is not told about the funder's account: operators refund it what reached
 * suspense.
 */
export async function tellReallocationOwed(
  tx: Tx,
  financing: { id: string; financingNumber: string; supplierPartyId: string; funderPartyId: string },
  { paid, owed, currency }: { paid?: Decimal; owed: Decimal; currency: Currency },
  key: string,
): Promise<void> {
  const money = (value: Decimal) => `${formatAmount(value, currency)} ${currency}`;
  const number = financing.financingNumber;
  const done = owed.isZero();
  const zh = paid ? `融资 ${number} 资金方就重新分配的还款待退的款项已于其资金户新入账或冻结解除时退回 ${money(paid)}` + (done ? '，已全部退回。' : `，尚欠 ${money(owed)}。`) : '';
  const en = paid
    ? `${money(paid)} the funder owed on a repayment of financing ${number} allocated again went back from the funder's funding account, as money reached it or a hold on it was released` + (done ? '; nothing is pending.' : `; ${money(owed)} is still pending.`)
    : '';
  const notice = {
    kind: done ? 'REALLOCATION_OWED_COMPLETED' : 'REALLOCATION_OWED',
    subject: done ? `重新分配待退款已退回 ${number} / Reallocation owed by the funder paid on ${number}` : `资金方重新分配待退款 ${number} / Reallocation owed by the funder on ${number}`,
    body: paid
      ? zh + en
      : `融资 ${number}：银行较早收到、处理较晚的还款使一笔后到的还款重新分配，资金方应退回的款项中 ${money(owed)} 其资金户（扣除冻结后）不足，资金方尚欠，将于该资金户下一笔入账时自动退回（付款方多付部分转入暂挂待退款，盈余部分退回供应商）。` +
        `Financing ${number}: money the bank received earlier and read later allocated a later repayment again, and the funder's funding account (holds counted) could not give back ${money(owed)} of it. ` +
        `The funder owes it, and it goes back from that account's next credit (to suspense for the payer's refund, or to the supplier for surplus).`,
    financingId: financing.id,
  };
  await notifyParties(tx, [financing.supplierPartyId, financing.funderPartyId], notice, key);
  await notifyOperators(tx, notice, key);
}

/** The supplier and the funder are told what went back and what is still pending; operators too, whose notice asked them to follow it up. */
async function tellPaid(
  tx: Tx,
  financing: { id: string; financingNumber: string; supplierPartyId: string; funderPartyId: string },
  paid: Decimal,
  left: Decimal,
  currency: Currency,
  key: string,
): Promise<void> {
  const money = (value: Decimal) => `${formatAmount(value, currency)} ${currency}`;
  const number = financing.financingNumber;
  const done = left.isZero();
  const notice = {
    kind: done ? 'RECOURSE_RETURN_COMPLETED' : 'RECOURSE_RETURN_OWED',
    subject: done ? `待退追索款已退回 ${number} / Recourse return completed on ${number}` : `待退追索款部分退回 ${number} / Recourse return in part on ${number}`,
    body:
      `融资 ${number} 资金方待退的追索款已于其资金户新入账或冻结解除时退回供应商 ${money(paid)}` +
      (done ? '，已全部退回。' : `，尚欠 ${money(left)}。`) +
      `${money(paid)} of the recourse return the funder owed on financing ${number} went back to the supplier from the funder's funding account, as money reached it or a hold on it was released` +
      (done ? '; the return is complete.' : `; ${money(left)} is still pending.`),
    financingId: financing.id,
  };
  await notifyParties(tx, [financing.supplierPartyId, financing.funderPartyId], notice, key);
  await notifyOperators(tx, notice, key);
}
