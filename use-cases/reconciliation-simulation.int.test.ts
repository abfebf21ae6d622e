import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { DEFAULT_CUT_OFF } from '../domain/accounting-day';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../domain/business-date';
import { Decimal } from '../domain/money';
import type { ReconciliationReportFigures } from '../domain/reconciliation-report';
import type { Payout } from '../prisma/client';
import { requestBalancePayout } from '../prisma/stores/balance-payout-store';
import { openPartyAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding, retryPayout } from '../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { pollInboundCredits } from '../prisma/stores/inbound-store';
import { closeAccountingDay } from '../prisma/stores/ledger/accounting-days';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { enrollSupplier } from '../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../prisma/stores/receivable-store';
import { serviceFinancing } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';
import { createPayoutActivities } from '../workflows/activities/payout-activities';
import { importBankStatement } from './import-bank-statement';
import { escrowAccountIs } from '../test/support/escrow-account';

// Thirty simulated days of a custody platform, reconciled day by day against the bank simulator
// (docs/reconciliation.md, "The identity, every day"). The money moves through the stores and
// activities the workflows call (inbound credits booked by the feed, disbursement, payout
// outcomes, servicing, balance payouts), dated by a business clock the test moves through each
// day; every day is cut off at 23:00, its statement (camt.053 and CSV, alternately) imported after
// midnight, and its report must balance to the cent. Movements are placed in the hour between the
// cut-off and midnight (and exactly at the cut-off instant), so every day has some in transit over
// it. Random but seeded: RECONCILIATION_SIMULATION_SEED replays a run; the seed is printed.

const DAYS = 30;
const FINANCINGS_PER_DAY = 10;
const SUPPLIERS = 12;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const SEED = Number(process.env.RECONCILIATION_SIMULATION_SEED ?? 20261210);

/** mulberry32: small, fast and the same on every machine. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Financed {
  id: string;
  number: string;
  amount: Decimal;
  repaid: Decimal;
  supplier: number;
  collectionVan: string;
  dueDate: IsoDate;
}

describe('thirty simulated days reconciled day by day', () => {
  let db: TestDatabase;
  let operator: TestActor;
  let parties: FinancingParties;
  let bank: BankSimulator;
  const clock = { now: new Date() };

  beforeAll(async () => {
    db = await createTestDatabase();
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER', 'ADMIN'], legalName: '深圳前海供应链平台运营有限公司' });
    parties = await createFinancingParties(db.prisma, { programLimit: '1000000000.00', supplierLimit: '1000000000.00', obligorLimit: '1000000000.00' });
    bank = new BankSimulator({ pool: db.url, escrowAccountNumber: `3100${String(process.pid).padStart(8, '0')}555`, clock: () => clock.now });
    await escrowAccountIs(db.prisma, bank.escrowAccountNumber);
  });
  afterAll(async () => {
    await bank?.close();
    await db?.drop();
  });

  it(`balances every day's report to the cent, and the bank's balance is the ledger's escrow plus what is in transit (seed ${SEED})`, async () => {
    console.info(`reconciliation simulation seed ${SEED} (RECONCILIATION_SIMULATION_SEED=${SEED} replays it)`);
    const random = seededRandom(SEED);
    const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
    const cents = (low: number, high: number) => new Decimal(pick(low * 100, high * 100)).dividedBy(100);
    const payouts = createPayoutActivities({ prisma: db.prisma, logger: testLogger, bank });
    const ctx = { prisma: db.prisma, logger: testLogger };
    const operatorActor = await actorOf(db.prisma, operator);
    const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223' };

    const first = addDays(businessDateOf(new Date()), -(DAYS + 5));
    clock.now = startOfBusinessDate(first);
    const suppliers: Array<{ domain: Awaited<ReturnType<typeof actorOf>> }> = [];
    for (let index = 0; index < SUPPLIERS; index += 1) {
      const actor = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: `深圳市第${index + 1}精密电子有限公司` });
      await openPartyAccounts(db.prisma, { id: actor.partyId, roles: ['SUPPLIER'] });
      await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, actor.creditCode);
      const domain = await actorOf(db.prisma, actor);
      await registerBankAccount(db.prisma, domain, actor.partyId, { accountName: `深圳市第${index + 1}精密电子有限公司`, accountNumber: `62220202001122${String(index).padStart(5, '0')}`, bankName: '中国工商银行深圳华强支行' }, clock.now);
      suppliers.push({ domain });
    }
    await registerBankAccount(db.prisma, operatorActor, operator.partyId, { accountName: '深圳前海供应链平台运营有限公司', accountNumber: '6222000000009999', bankName: '中国工商银行' }, clock.now);
    const funderVan = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;

    const financed: Financed[] = [];
    const toRetry = new Set<string>();
    const watched = new Map<string, Payout>();
    const counts = { financings: 0, repayments: 0, afterCutOff: 0, atCutOff: 0, returns: 0, failures: 0, sweeps: 0, timingLines: 0, camt: 0, csv: 0 };

    const feed = () => pollInboundCredits(db.prisma, bank);
    const credit = async (virtualAccountNumber: string, amount: Decimal, memo: string) => {
      await bank.receiveInboundCredit({ virtualAccountNumber, amount: amount.toFixed(2), currency: 'CNY', ...PAYER, remittanceInformation: memo });
      await feed();
    };
    /** Every payout the ledger still has in transit, or whose return the workflow still watches, asked about at `at`. */
    const checkPayouts = async (at: Date) => {
      clock.now = at;
      const open = await db.prisma.payout.findMany({ where: { status: { in: ['SUBMITTED', 'PENDING', 'UNKNOWN'] } }, orderBy: { createdAt: 'asc' } });
      for (const payout of [...open, ...watched.values()]) {
        const status = await payouts.checkPayout({ payoutId: payout.id, at });
        if (status === 'RETURNED' || status === 'FAILED') {
          watched.delete(payout.id);
          if (payout.financingId) toRetry.add(payout.financingId);
          if (status === 'RETURNED') counts.returns += 1;
          else counts.failures += 1;
        }
      }
      for (const [id, payout] of watched) if (payout.settledAt && at.getTime() - payout.settledAt.getTime() > 5 * DAY_MS) watched.delete(id);
    };
    const submit = async (payout: Payout, at: Date) => {
      const roll = random();
      if (roll < 0.06) await bank.script({ payoutReference: payout.payoutReference, behaviour: 'PENDING_THEN_SUCCEED', delayMs: pick(10, 150) * 60_000 });
      else if (roll < 0.08) await bank.script({ payoutReference: payout.payoutReference, behaviour: 'FAIL' });
      else if (roll < 0.1) await bank.script({ payoutReference: payout.payoutReference, behaviour: 'RETURN_AFTER', delayMs: pick(20, 60) * HOUR_MS });
      else if (roll < 0.11) await bank.script({ payoutReference: payout.payoutReference, behaviour: 'RETURN_AFTER', delayMs: 7 * DAY_MS });
      clock.now = at;
      const status = await payouts.submitPayout({ payoutId: payout.id, at });
      if (status === 'SETTLED' && roll >= 0.08 && roll < 0.11) watched.set(payout.id, (await db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } })));
      if (status === 'FAILED') {
        counts.failures += 1;
        if (payout.financingId) toRetry.add(payout.financingId);
      }
    };
    const finance = async (day: IsoDate, at: Date) => {
      clock.now = at;
      const supplier = pick(0, SUPPLIERS - 1);
      const { domain } = suppliers[supplier]!;
      const dueDate = addDays(day, pick(4, 25));
      const { receivable } = await registerReceivable(db.prisma, domain, registrationInput(parties.core.creditCode, { dueDate }, at), { now: at, confirmationWindowMs: 7 * DAY_MS });
      await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `sim:${receivable.id}:confirm`, at);
      const amount = cents(20_000, 200_000);
      const { financing } = await applyForFinancing(db.prisma, domain, { receivableId: receivable.id, programId: parties.programId, amount: amount.toFixed(2), idempotencyKey: `sim-${receivable.id}` }, TEST_FINANCING_WINDOWS, at);
      const id = financing.id;
      await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(at.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: parties.core.userId, partyId: parties.core.partyId }, `ack-${id}`, at);
      await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, { userId: parties.funder.userId, partyId: parties.funder.partyId }, `approve-${id}`, at);
      await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, { userId: parties.funderChecker.userId, partyId: parties.funderChecker.partyId }, `confirm-${id}`, at);
      const funded = await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs, at);
      expect(funded, `financing ${financing.financingNumber} funded`).toEqual({ reserved: true });
      const payout = await disburse(db.prisma, id, at);
      expect(payout, `financing ${financing.financingNumber} disbursed`).not.toBeNull();
      const collectionVan = (await findAccountByCode(db.prisma, `financing:${id}:COLLECTION:CNY`))!.virtualAccountNumber!;
      financed.push({ id, number: financing.financingNumber, amount, repaid: new Decimal(0), supplier, collectionVan, dueDate });
      counts.financings += 1;
      await submit(payout!, at);
    };
    const repay = async (day: IsoDate, at: Date) => {
      const candidates = financed.filter((each) => each.repaid.lt(each.amount) && !toRetry.has(each.id));
      if (candidates.length === 0) return;
      const target = candidates[pick(0, candidates.length - 1)]!;
      const left = target.amount.minus(target.repaid);
      // Early or on time in full, in part, or late: whatever the waterfall makes of it.
      const amount = random() < 0.5 ? left : Decimal.max(new Decimal('0.01'), left.times(random()).toDecimalPlaces(2, Decimal.ROUND_DOWN));
      clock.now = at;
      // One payer in ten writes the wrong memo: the virtual account is what counts.
      await credit(target.collectionVan, amount, random() < 0.1 ? '货款 invoice 7781 for another buyer' : `还款 ${target.number}`);
      target.repaid = target.repaid.plus(amount);
      await serviceFinancing(db.prisma, target.id, day, `sim:service:${target.id}:${at.toISOString()}`, at);
      counts.repayments += 1;
    };

    for (let index = 0; index < DAYS; index += 1) {
      const day = addDays(first, index);
      const start = startOfBusinessDate(day).getTime();
      const cutOff = start + 23 * HOUR_MS;
      const at = (ms: number) => new Date(start + ms);

      // 08:00: the funder tops up enough for the day (and a little more).
      clock.now = at(8 * HOUR_MS);
      await credit(funderVan, cents(2_100_000, 2_400_000), '保理资金 funding');
      // Payouts that failed or came back are paid again in the morning.
      for (const financingId of [...toRetry]) {
        const supplier = financed.find((each) => each.id === financingId)!.supplier;
        const retried = await retryPayout(db.prisma, suppliers[supplier]!.domain, financingId, `sim-retry-${financingId}-${day}`, at(8 * HOUR_MS + 30 * 60_000));
        toRetry.delete(financingId);
        await submit(retried, at(8 * HOUR_MS + 30 * 60_000));
      }
      // The day's financings and repayments, from 09:00, in the order of their times.
      const events: Array<{ ms: number; run: () => Promise<void> }> = [];
      for (let n = 0; n < FINANCINGS_PER_DAY - 1; n += 1) {
        const ms = 9 * HOUR_MS + pick(0, 13 * 60) * 60_000 + pick(0, 59_999);
        events.push({ ms, run: () => finance(day, at(ms)) });
      }
      for (let n = 0; n < (index < 3 ? 0 : 8); n += 1) {
        const ms = 9 * HOUR_MS + pick(0, 13 * 60) * 60_000;
        events.push({ ms, run: () => repay(day, at(ms)) });
      }
      for (const ms of [12 * HOUR_MS, 18 * HOUR_MS, 22 * HOUR_MS + 50 * 60_000]) events.push({ ms, run: () => checkPayouts(at(ms)) });
      if (index % 7 === 6) {
        // The platform sweeps its fee income out every week.
        events.push({
          ms: 17 * HOUR_MS,
          run: async () => {
            clock.now = at(17 * HOUR_MS);
            const { payout } = await requestBalancePayout(db.prisma, operatorActor, { purpose: 'FEE_SWEEP', amount: null, currency: 'CNY', idempotencyKey: `sweep-${day}` }, clock.now);
            await submit(payout, clock.now);
            counts.sweeps += 1;
          },
        });
      }
      if (index === 12) {
        events.push({ ms: 15 * HOUR_MS, run: async () => { clock.now = at(15 * HOUR_MS); await credit('9558800000009999999', new Decimal('1234.56'), 'unknown'); } });
      }
      events.sort((a, b) => a.ms - b.ms);
      for (const event of events) await event.run();

      // The hour after the cut-off: on this day's statement, in the next day's ledger. One
      // movement every third day falls exactly on the cut-off instant.
      const exactly = index % 3 === 0;
      await finance(day, new Date(exactly ? cutOff : cutOff + pick(1, 58) * 60_000));
      counts.afterCutOff += 1;
      if (exactly) counts.atCutOff += 1;
      await repay(day, new Date(cutOff + pick(1, 59) * 60_000 + pick(0, 59_999)));
      if (index >= 3) counts.afterCutOff += 1;

      // The cut-off workflow closes the day a minute after its cut-off.
      const closed = await closeAccountingDay(db.prisma, { businessDate: day, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'simulation' });
      expect(closed.cutOffAt.getTime()).toBe(cutOff);
      await checkPayouts(new Date(cutOff + 59 * 60_000 + 59_000));

      // After midnight: the bank's statement of the day, imported; its report made.
      clock.now = new Date(start + DAY_MS + 20 * 60_000);
      const format = index % 2 === 0 ? 'CAMT053' : 'CSV';
      counts[format === 'CAMT053' ? 'camt' : 'csv'] += 1;
      const bankDay = await bank.fetchStatement(day, 'CNY');
      await importBankStatement(ctx, operatorActor, await bank.fetchStatementFile(day, 'CNY', format), clock.now);
      const report = await db.prisma.reconciliationReport.findUniqueOrThrow({ where: { businessDate_currency: { businessDate: new Date(`${day}T00:00:00.000Z`), currency: 'CNY' } } });
      const figures = report.figures as unknown as ReconciliationReportFigures;
      const timing = figures.lines.filter((line) => line.code === 'CUT_OFF_TIMING');
      counts.timingLines += timing.length;
      const summary = { day, seed: SEED, unexplained: figures.unexplainedDifference, closing: figures.closingBalance, escrow: figures.ledgerEscrowBalance, items: figures.lines.filter((line) => line.itemId).map((line) => `${line.code} ${line.reference} ${line.amount}`) };
      expect({ ...summary, balanced: report.balanced, ledgerEscrowEqualsParts: figures.ledgerEscrowEqualsParts }).toEqual({ ...summary, unexplained: '0.00', balanced: true, ledgerEscrowEqualsParts: true });
      // The bank's balance at the day's end is the ledger's escrow plus what is in transit either way.
      expect(figures.closingBalance).toBe(new Decimal(bankDay.closingBalance).toFixed(2));
      const reconciled = new Decimal(figures.ledgerEscrowBalance).plus(figures.bankOnlyTotal).plus(figures.ledgerOnlyTotal).plus(figures.cutOffTimingTotal ?? '0');
      expect(reconciled.toFixed(2), `${day}: escrow ${figures.ledgerEscrowBalance} + in transit = bank ${bankDay.closingBalance}`).toBe(figures.closingBalance);
      // Every movement after the cut-off is itemised by its reference.
      expect(timing.length, `${day}: movements after the cut-off`).toBeGreaterThan(0);
    }

    console.info(`reconciliation simulation: ${JSON.stringify(counts)}`);
    expect(counts.financings).toBeGreaterThanOrEqual(DAYS * FINANCINGS_PER_DAY);
    expect(counts.returns).toBeGreaterThan(0);
    expect(counts.failures).toBeGreaterThan(0);
    expect(counts.sweeps).toBe(Math.floor(DAYS / 7));
    const unresolved = await db.prisma.reconciliationItem.findMany({ where: { accountNumber: bank.escrowAccountNumber, status: { not: 'RESOLVED' } }, select: { outcome: true, kind: true, amount: true, detail: true, firstStatementDate: true } });
    // What is still open after the last day is the last day's own movements, not older ones.
    expect(unresolved.filter((item) => businessDateOf(new Date(item.firstStatementDate.getTime() + 8 * HOUR_MS)) < addDays(first, DAYS - 2))).toEqual([]);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  }, 600_000);
});
