import { expect } from 'vitest';
import { BankSimulator, type PayoutScript } from '../../bank/simulator/bank-simulator';
import { DEFAULT_CUT_OFF } from '../../domain/accounting-day';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../../domain/business-date';
import type { ReconciliationReportFigures } from '../../domain/reconciliation-report';
import { ensurePlatformAccounts, openPartyAccounts, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding } from '../../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../../prisma/stores/financing-store';
import { pollInboundCredits } from '../../prisma/stores/inbound-store';
import { closeAccountingDay } from '../../prisma/stores/ledger/accounting-days';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { getBalance } from '../../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../../prisma/stores/ledger/invariants';
import { enrollSupplier } from '../../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../../prisma/stores/receivable-store';
import { importBankStatement } from '../../use-cases/import-bank-statement';
import { createPayoutActivities } from '../../workflows/activities/payout-activities';
import { createTestDatabase } from './database';
import { createFinancingParties, TEST_FINANCING_WINDOWS } from './financings';
import { testLogger } from './logger';
import { createActor } from './parties';
import { actorOf, registrationInput } from './receivables';
import { escrowAccountIs } from './escrow-account';

// The days of a reconciliation scenario (docs/reconciliation.md, "Scenarios"): a database, an
// escrow account of the bank simulator and a business clock of their own; money in through the
// bank and the feed, a financing disbursed through the stores the workflows call; each day cut
// off at 23:00, its statement fetched after midnight and imported, and its stored report read
// back as the fixed lines by code (those that are not 0.00) and each itemised difference as
// [code, reference, amount].

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const PAYER = { payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222000000000001' };

export interface ReportReading {
  balanced: boolean;
  fixed: Record<string, string>;
  items: Array<[string, string | null, string]>;
}

/** A scenario's world, `daysAgo` business days before today so that every day it plays can be closed. */
export async function reconciliationWorld(daysAgo: number) {
  const db = await createTestDatabase();
  const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER', 'ADMIN'], legalName: '深圳前海供应链平台运营有限公司' });
  const parties = await createFinancingParties(db.prisma);
  const day = addDays(businessDateOf(new Date()), -daysAgo);
  const at = (date: IsoDate, hours: number) => new Date(startOfBusinessDate(date).getTime() + hours * HOUR_MS);
  const clock = { now: at(day, 10) };
  const bank = new BankSimulator({ pool: db.url, escrowAccountNumber: `3100${String(process.pid).padStart(8, '0')}${String(daysAgo).padStart(3, '0')}`, clock: () => clock.now });
  const funding = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
  const coreRepayment = (await findAccountByCode(db.prisma, partyAccountCode(parties.core.partyId, 'CORE_REPAYMENT', 'CNY')))!;
  const platform = await ensurePlatformAccounts(db.prisma, 'CNY');
  await escrowAccountIs(db.prisma, bank.escrowAccountNumber);
  const operatorActor = await actorOf(db.prisma, operator);
  const payouts = createPayoutActivities({ prisma: db.prisma, logger: testLogger, bank });

  const w = {
    db,
    bank,
    clock,
    day,
    at,
    parties,
    funding,
    coreRepayment,
    platform,
    operatorActor,
    payouts,
    /** A payer's money reaches the bank at `when`; the feed has not read it yet. */
    async receive(when: Date, virtualAccountNumber: string, amount: string, memo = '保理资金 funding', bankReference?: string) {
      clock.now = when;
      return bank.receiveInboundCredit({ virtualAccountNumber, amount, currency: 'CNY', ...PAYER, remittanceInformation: memo, ...(bankReference ? { bankReference } : {}) });
    },
    /** The feed reads what the bank received and books it. */
    async feed(when: Date = clock.now) {
      clock.now = when;
      return pollInboundCredits(db.prisma, bank);
    },
    /** A payer's money reaches the bank at `when` and the feed books it at once. */
    async credit(when: Date, virtualAccountNumber: string, amount: string, memo = '保理资金 funding') {
      const received = await w.receive(when, virtualAccountNumber, amount, memo);
      await w.feed(when);
      return received;
    },
    /**
     * A supplier finances 800,000.00 of a confirmed receivable at `when` (6% a year for 90 days
     * up front, 12,000.00, and a 0.1% fee, 800.00: the funder's funding account gives 800,000.00,
     * its interest comes back to it, the fee is the platform's), and the net 787,200.00 is paid
     * out through the bank, which does what `script` says. The funder's money must be there.
     */
    async disbursed(when: Date, script?: Omit<PayoutScript, 'payoutReference'>) {
      clock.now = when;
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
      await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
      await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
      const supplierActor = await actorOf(db.prisma, supplier);
      await registerBankAccount(db.prisma, supplierActor, supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }, when);
      const { receivable } = await registerReceivable(db.prisma, supplierActor, registrationInput(parties.core.creditCode, { dueDate: addDays(businessDateOf(when), 90) }, when), { now: when, confirmationWindowMs: 7 * DAY_MS });
      await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `scenario:${receivable.id}:confirm`, when);
      const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `scenario-${receivable.id}` }, TEST_FINANCING_WINDOWS, when);
      const id = financing.id;
      await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(when.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: parties.core.userId, partyId: parties.core.partyId }, `ack-${id}`, when);
      await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, { userId: parties.funder.userId, partyId: parties.funder.partyId }, `approve-${id}`, when);
      await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, { userId: parties.funderChecker.userId, partyId: parties.funderChecker.partyId }, `confirm-${id}`, when);
      expect(await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs, when)).toEqual({ reserved: true });
      const payout = (await disburse(db.prisma, id, when))!;
      if (script) await bank.script({ payoutReference: payout.payoutReference, ...script });
      const status = await payouts.submitPayout({ payoutId: payout.id, at: when });
      const collectionVan = (await findAccountByCode(db.prisma, `financing:${id}:COLLECTION:CNY`))!.virtualAccountNumber!;
      return { financing, payout, status, supplierActor, collectionVan, supplierCode: partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY') };
    },
    /**
     * Day one played to its statement with a payout the bank paid but whose answer was lost: the
     * ledger holds it in flight (UNKNOWN), so its statement line is an open BANK_ONLY item.
     */
    async payoutInFlightOnStatement() {
      await w.credit(w.at(w.day, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const { payout, status } = await w.disbursed(w.at(w.day, 10), { behaviour: 'TIMEOUT_THEN_SUCCEED' });
      expect(status).toBe('UNKNOWN');
      await w.close(w.day);
      await w.importDay(w.day);
      const item = await db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, kind: 'PAYOUT' } });
      expect([item.outcome, item.status]).toEqual(['BANK_ONLY', 'OPEN']);
      return { payout, item };
    },
    /**
     * Day one played to its statement with a payout the bank paid and the ledger settled (its
     * line matched), and the next day cut off: its statement is the caller's to write.
     */
    async payoutSettledOnStatement() {
      await w.credit(w.at(w.day, 9), w.funding.virtualAccountNumber!, '2000000.00');
      const disbursed = await w.disbursed(w.at(w.day, 10));
      expect(disbursed.status).toBe('SETTLED');
      await w.playDay(w.day);
      const next = addDays(w.day, 1);
      await w.close(next);
      return { ...disbursed, next };
    },
    /**
     * Day one played to its statement with the funder's 1,000,000.00 and a payout the ledger
     * settled at 10:00 and the beneficiary's bank sends back 7 days later (after the watch).
     */
    async payoutToBeReturnedAfterWatch() {
      await w.credit(w.at(w.day, 9), funding.virtualAccountNumber!, '1000000.00');
      const disbursed = await w.disbursed(w.at(w.day, 10), { behaviour: 'RETURN_AFTER', delayMs: 7 * DAY_MS, reason: '收款人户名不符 name does not match' });
      expect(disbursed.status).toBe('SETTLED');
      await w.playDay(w.day);
      return disbursed;
    },
    /** The statement of `date` imported at `when`, its payout returns value-dated `valueDate` (a bank dates a return back, or ahead). */
    importWithReturnsValueDated(date: IsoDate, valueDate: IsoDate, when: Date) {
      return w.importDay(date, 'CSV', (content) => content.split('\r\n').map((row) => (row.includes(',PAYOUT_RETURN,') ? row.replace(`,${date},${date},`, `,${date},${valueDate},`) : row)).join('\r\n'), when);
    },
    /** The bank reverses credit `bankReference` at 15:00 of `date`, and the day is played to its statement: the reversal's item (the world's only one). */
    async reversedOnStatement(bankReference: string, date: IsoDate) {
      clock.now = w.at(date, 15);
      await bank.reverseInboundCredit(bankReference);
      await w.playDay(date);
      return db.prisma.reconciliationItem.findFirstOrThrow({ where: { kind: 'INBOUND_CREDIT_REVERSAL' } });
    },
    /** Another operator of the platform, a CHECKER: the second pair of eyes a resolution needs. */
    async operatorChecker() {
      return actorOf(db.prisma, await createActor(db.prisma, { partyId: operatorActor.partyId, userRoles: ['CHECKER'] }));
    },
    /**
     * On `date` the funder tops up 1,000,000.00 at 09:00 and 50,000.00 at 11:00, both booked by
     * the feed, and at 15:00 the bank reverses (冲正) the 50,000.00: its statement of the day
     * shows the reversal, the ledger still holds the money. The reversed credit.
     */
    async creditReversed(date: IsoDate) {
      await w.credit(w.at(date, 9), funding.virtualAccountNumber!, '1000000.00');
      const reversed = await w.credit(w.at(date, 11), funding.virtualAccountNumber!, '50000.00');
      clock.now = w.at(date, 15);
      await bank.reverseInboundCredit(reversed.bankReference);
      return reversed;
    },
    /** The posted balance of a ledger account, by code, with two decimals. */
    async balance(code: string) {
      return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
    },
    /** The cut-off of `date` (23:00 Asia/Shanghai), run after it. */
    close: (date: IsoDate) => closeAccountingDay(db.prisma, { businessDate: date, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'test' }),
    /** The statement of `date`, fetched and imported at `when` (00:30 the day after); `edit` changes the file first. */
    async importDay(date: IsoDate, format: 'CSV' | 'CAMT053' = 'CSV', edit: (content: string) => string = (content) => content, when: Date = at(addDays(date, 1), 0.5)) {
      clock.now = when;
      const file = await bank.fetchStatementFile(date, 'CNY', format);
      return importBankStatement({ prisma: db.prisma, logger: testLogger }, operatorActor, { ...file, content: edit(file.content) }, clock.now);
    },
    /** A day played to its end: the cut-off, then the statement imported after midnight. */
    async playDay(date: IsoDate, format: 'CSV' | 'CAMT053' = 'CSV') {
      await w.close(date);
      return w.importDay(date, format);
    },
    /**
     * The statement CSV `content` with a return (PAYOUT_RETURN) of `payoutReference` added on
     * `date`, one line per bank reference, each for `amount`, and the closing balance set to
     * `closing`: the beneficiary's bank sending a payment back.
     */
    withReturns(content: string, date: IsoDate, payoutReference: string, amount: string, bankReferences: readonly string[], closing: { from: string; to: string }) {
      const rows = content.split('\r\n');
      const statementId = rows[1]!.split(',')[1]!;
      rows[1] = rows[1]!.replace(closing.from, closing.to);
      const back = (bankReference: string) =>
        `ENTRY,${statementId},,CNY,,,,,${bankReference},PAYOUT_RETURN,CREDIT,${amount},${date},${date},${payoutReference},${payoutReference},深圳市华强精密电子有限公司,6222020200112233445,,${bank.escrowAccountNumber},退汇`;
      return [...rows.slice(0, 2), ...bankReferences.map(back), ...rows.slice(2)].join('\r\n');
    },
    /** The day's stored report, as stored. */
    storedReport: (date: IsoDate) => db.prisma.reconciliationReport.findUniqueOrThrow({ where: { businessDate_currency: { businessDate: new Date(`${date}T00:00:00.000Z`), currency: 'CNY' } } }),
    /** The day's stored report: whether it balances, its non-zero fixed lines and its itemised differences. */
    async report(date: IsoDate): Promise<ReportReading> {
      const stored = await w.storedReport(date);
      const figures = stored.figures as unknown as ReconciliationReportFigures;
      return {
        balanced: stored.balanced,
        fixed: Object.fromEntries(figures.lines.filter((line) => !line.itemId && line.amount !== '0.00').map((line) => [line.code, line.amount])),
        items: figures.lines.filter((line) => line.itemId).map((line) => [line.code, line.reference, line.amount]),
      };
    },
    async drop() {
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
      await bank.close();
      await db.drop();
    },
  };
  return w;
}
