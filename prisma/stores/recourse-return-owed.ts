import { transfer } from '../../domain/ledger-rules';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import { partyAccountCode } from './chart-of-accounts';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { postTransaction } from './ledger/postings';
import { notifyOperators, notifyParties } from './operator-notices';
import type { Tx } from './run-transaction';
import { toDecimal } from './to-decimal';

// Recourse returned to a supplier that the funder's funding account could not cover when the
// core enterprise's earlier money was read (servicing-store.ts, returnRecourse): the funder owes
// it (`financing.recourse_return_owed`), and it goes back from the account's next credit, in
// that credit's database transaction, before the money can fund anything else. Nobody else's
// money and none of the platform's ever covers it (docs/ledger.md, "Recourse returned").

/** Financings one credit pays back for; the rest wait for the next credit (a funder owes a handful at most). */
export const RECOURSE_RETURNS_OWED_PER_CREDIT_MAX = 20;

/**
 * A funder's funding account was credited in `tx` (a top-up, parked money applied to it, a
 * repayment of one of its financings), under the account's lock: what the funder owes suppliers
 * goes back, as far as the account's available balance goes (holds counted), one posting per
 * financing keyed by `cause`, so once per credit. A financing or a supplier's account another
 * transaction holds at this instant is skipped (never waited for, so the lock order of the
 * credit's own transaction does not matter) and paid from the next credit.
 */
export async function payRecourseReturnsOwed(tx: Tx, funding: { id: string; ownerPartyId: string | null; currency: string }, cause: string): Promise<void> {
  if (!funding.ownerPartyId) return;
  const currency = funding.currency as Currency;
  const owing = await tx.$queryRaw<{ id: string; financingNumber: string; supplierPartyId: string; owed: string }[]>`
    SELECT id::text AS id, financing_number AS "financingNumber", supplier_party_id::text AS "supplierPartyId", recourse_return_owed::text AS owed
      FROM financing
     WHERE funder_party_id = ${funding.ownerPartyId}::uuid AND currency = ${currency} AND recourse_return_owed > 0
     ORDER BY id
     LIMIT ${RECOURSE_RETURNS_OWED_PER_CREDIT_MAX}
       FOR UPDATE SKIP LOCKED`;
  if (owing.length === 0) return;
  let available = (await getBalance(tx, funding.id)).available;
  const [{ now }] = await tx.$queryRaw<[{ now: Date }]>`SELECT now() AS "now"`;
  for (const financing of owing) {
    if (available.lte(0)) return;
    const settlement = await findAccountByCode(tx, partyAccountCode(financing.supplierPartyId, 'SUPPLIER_SETTLEMENT', currency));
    if (!settlement) throw new Error(`financing ${financing.financingNumber}: the supplier has no ${currency} settlement account`);
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM ledger_account WHERE id = ${settlement.id}::uuid FOR UPDATE SKIP LOCKED`;
    if (locked.length === 0) continue;
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
      entries: transfer(funding.id, settlement.id, paid, currency),
    });
    await tx.financing.update({ where: { id: financing.id }, data: { recourseReturnOwed: { decrement: paid.toFixed() }, updatedAt: now } });
    available = available.minus(paid);
    await tellPaid(tx, { ...financing, funderPartyId: funding.ownerPartyId }, paid, owed.minus(paid), currency, key);
  }
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
      `融资 ${number} 资金方待退的追索款已从其资金户的新入账中退回供应商 ${money(paid)}` +
      (done ? '，已全部退回。' : `，尚欠 ${money(left)}。`) +
      `${money(paid)} of the recourse return the funder owed on financing ${number} went back to the supplier from the funder's funding account's latest credit` +
      (done ? '; the return is complete.' : `; ${money(left)} is still pending.`),
    financingId: financing.id,
  };
  await notifyParties(tx, [financing.supplierPartyId, financing.funderPartyId], notice, key);
  await notifyOperators(tx, notice, key);
}
