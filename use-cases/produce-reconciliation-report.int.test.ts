import pino from 'pino';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { DEFAULT_CUT_OFF } from '../domain/accounting-day';
import { addDays, businessDateOf, startOfBusinessDate } from '../domain/business-date';
import type { ReconciliationReportFigures } from '../domain/reconciliation-report';
import { ensurePlatformAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { pollInboundCredits } from '../prisma/stores/inbound-store';
import { closeAccountingDay } from '../prisma/stores/ledger/accounting-days';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { postTransaction } from '../prisma/stores/ledger/postings';
import { renderReconciliationReportPdfs } from '../workflows/worker/render-reconciliation-report-pdfs';
import { testLogger } from '../test/support/logger';
import { reconciliationReportRows, renderReconciliationReport } from '../workflows/activities/documents/reconciliation-report-document';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties } from '../test/support/financings';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createCutOffActivities } from '../workflows/activities/cut-off-activities';
import { importBankStatement } from './import-bank-statement';
import { produceReconciliationReport } from './produce-reconciliation-report';
import { escrowAccountIs } from '../test/support/escrow-account';

// The daily reconciliation report over three days of one ledger and one escrow account, with the
// bank simulator as the bank and real PostgreSQL. The ledger's postings are dated in their days
// (as the workflows date theirs): a clean day, a day with a fee sweep the ledger settled and
// the bank never executed (itemised, balanced), and a day with a ledger adjustment to
// the escrow account the bank never saw (unbalanced, logged at error level, operators told once).

const DAY_MS = 24 * 60 * 60 * 1000;
const PAYER = { payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222000000000001' };

describe('the daily reconciliation report', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;
  const logged: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logged.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const t1 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -30)).getTime() + 2 * 60 * 60 * 1000);
  const day1 = businessDateOf(t1);
  const day2 = addDays(day1, 1);
  const day3 = addDays(day1, 2);
  const clock = { now: t1 };
  let bank: BankSimulator;
  let cursor: string | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
    api = await startTestApi(db.prisma);
    bank = new BankSimulator({ pool: db.url, escrowAccountNumber: `3100${String(process.pid).padStart(8, '0')}777`, clock: () => clock.now });
    await escrowAccountIs(db.prisma, bank.escrowAccountNumber);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function feed() {
    await db.prisma.bankCursor.upsert({ where: { name: 'inbound-credits' }, update: { cursor }, create: { name: 'inbound-credits', cursor } });
    await pollInboundCredits(db.prisma, bank);
    cursor = (await db.prisma.bankCursor.findUniqueOrThrow({ where: { name: 'inbound-credits' } })).cursor;
  }

  async function post(key: string, at: Date, code: string, amount: string, debit: string, credit: string) {
    return postTransaction(db.prisma, {
      idempotencyKey: `report-test:${key}`,
      code,
      effectiveAt: at,
      entries: [
        { accountId: debit, direction: 'DEBIT', amount, currency: 'CNY' },
        { accountId: credit, direction: 'CREDIT', amount, currency: 'CNY' },
      ],
    });
  }

  /** A funder tops up 1,000,000.00 through the bank at `t0`, and the platform earns 12,800.00 of fees from it. */
  async function toppedUpAt(t0: Date) {
    clock.now = t0;
    const parties = await createFinancingParties(db.prisma);
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    await bank.receiveInboundCredit({ virtualAccountNumber: funding.virtualAccountNumber!, amount: '1000000.00', currency: 'CNY', ...PAYER, remittanceInformation: '保理资金 funding' });
    await feed();
    const platform = await ensurePlatformAccounts(db.prisma, 'CNY');
    await post('fees', t0, 'DISBURSEMENT_FEES', '12800.00', funding.id, platform.FEE_INCOME.id);
    return platform;
  }

  /** The platform sweeps its fees (12,800.00) at `t0` and the ledger books the payout settled; the bank never executes it. */
  async function sweptNeverPaidAt(t0: Date) {
    const platform = await ensurePlatformAccounts(db.prisma, 'CNY');
    const inTransit = await post('sweep', t0, 'FEE_SWEEP', '12800.00', platform.FEE_INCOME.id, platform.PAYOUT_IN_TRANSIT.id);
    const settled = await post('sweep-settled', t0, 'PAYOUT_SETTLED', '12800.00', platform.PAYOUT_IN_TRANSIT.id, platform.ESCROW_BANK.id);
    return db.prisma.payout.create({
      data: {
        purpose: 'FEE_SWEEP',
        partyId: operator.partyId,
        sourceAccountId: platform.FEE_INCOME.id,
        attempt: 1,
        payoutReference: 'FSW-2026-000001',
        amount: '12800.00',
        currency: 'CNY',
        beneficiaryName: '平台自有账户 Platform own account',
        beneficiaryAccountNumber: '6222000000009999',
        beneficiaryBank: '中国工商银行',
        status: 'SETTLED',
        settledAt: t0,
        inTransitTransactionId: inTransit.transactionId,
        settledTransactionId: settled.transactionId,
        requestKey: 'report-test:sweep',
        requestHash: 'a'.repeat(64),
      },
    });
  }

  const close = (date: string) => closeAccountingDay(db.prisma, { businessDate: date, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'test' });
  const importDay = async (date: string) => importBankStatement({ prisma: db.prisma, logger }, await actorOf(db.prisma, operator), await bank.fetchStatementFile(date, 'CNY', 'CSV'));
  const stored = async (date: string) => {
    const report = await db.prisma.reconciliationReport.findUniqueOrThrow({ where: { businessDate_currency: { businessDate: new Date(`${date}T00:00:00.000Z`), currency: 'CNY' } } });
    return { report, figures: report.figures as unknown as ReconciliationReportFigures };
  };
  const amounts = (figures: ReconciliationReportFigures) => Object.fromEntries(figures.lines.filter((line) => !line.itemId).map((line) => [line.code, line.amount]));

  it('balances a clean day to the cent with every line named, made by the import that came after the cut-off, and is not recomputed', async () => {
    await toppedUpAt(t1);
    await close(day1);
    await importDay(day1);
    const { report, figures } = await stored(day1);
    expect(report).toMatchObject({ balanced: true, version: 1 });
    expect(amounts(figures)).toEqual({
      BANK_OPENING: '0.00',
      BANK_CREDITS: '1000000.00',
      BANK_DEBITS: '0.00',
      BANK_CLOSING: '1000000.00',
      SUPPLIER_SETTLEMENT: '0.00',
      FUNDER_FUNDING: '987200.00',
      CORE_REPAYMENT: '0.00',
      COLLECTION: '0.00',
      FEE_INCOME: '12800.00',
      PLATFORM_OTHER: '0.00',
      PAYOUT_IN_TRANSIT: '0.00',
      INBOUND_CLEARING: '0.00',
      SUSPENSE: '0.00',
      LEDGER_ESCROW_BANK: '1000000.00',
      EXPLAINED_CLOSING: '1000000.00',
      UNEXPLAINED_DIFFERENCE: '0.00',
    });
    expect(figures).toMatchObject({ ledgerEscrowEqualsParts: true, bankMovementsAddUp: true, unexplainedDifference: '0.00' });
    expect(figures.lines.every((line) => line.label.length > 0)).toBe(true);

    const again = await produceReconciliationReport({ prisma: db.prisma, logger }, day1, 'CNY');
    expect(again).toMatchObject({ outcome: 'UNCHANGED', report: { id: report.id, version: 1 } });
  });

  it('itemises a payout the ledger settled and the bank never executed as LEDGER_ONLY and still balances, made by the cut-off that came after the import', async () => {
    const t2 = new Date(t1.getTime() + DAY_MS);
    clock.now = t2;
    const payout = await sweptNeverPaidAt(t2);
    await importDay(day2);
    expect(await db.prisma.reconciliationReport.count({ where: { businessDate: new Date(`${day2}T00:00:00.000Z`) } })).toBe(0);
    await createCutOffActivities({ prisma: db.prisma, logger }).closeAccountingDay({ businessDate: day2, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'test' });
    const { report, figures } = await stored(day2);
    expect(report.balanced).toBe(true);
    expect(amounts(figures)).toMatchObject({ BANK_OPENING: '1000000.00', BANK_CREDITS: '0.00', BANK_DEBITS: '0.00', BANK_CLOSING: '1000000.00', FUNDER_FUNDING: '987200.00', FEE_INCOME: '0.00', PAYOUT_IN_TRANSIT: '0.00', LEDGER_ESCROW_BANK: '987200.00', EXPLAINED_CLOSING: '1000000.00', UNEXPLAINED_DIFFERENCE: '0.00' });
    expect(figures.lines.filter((line) => line.itemId)).toEqual([expect.objectContaining({ code: 'LEDGER_ONLY', amount: '12800.00', reference: 'FSW-2026-000001', ageDays: 0 })]);
    expect(figures.ledgerOnlyTotal).toBe('12800.00');
    expect(payout.status).toBe('SETTLED');
  });

  it('does not balance a day whose ledger moved the escrow without the bank, says by how much, logs at error level and tells every operator once', async () => {
    const t3 = new Date(t1.getTime() + 2 * DAY_MS);
    clock.now = t3;
    const platform = await ensurePlatformAccounts(db.prisma, 'CNY');
    await post('adjustment', t3, 'MANUAL_ADJUSTMENT', '100.01', platform.ESCROW_BANK.id, platform.SUSPENSE.id);
    await close(day3);
    logged.length = 0;
    await importDay(day3);
    const { report, figures } = await stored(day3);
    expect(report.balanced).toBe(false);
    expect(amounts(figures)).toMatchObject({ BANK_CLOSING: '1000000.00', SUSPENSE: '100.01', LEDGER_ESCROW_BANK: '987300.01', EXPLAINED_CLOSING: '1000100.01', UNEXPLAINED_DIFFERENCE: '-100.01' });
    // The payout of the day before is still itemised, one day old.
    expect(figures.lines.filter((line) => line.itemId)).toEqual([expect.objectContaining({ code: 'LEDGER_ONLY', amount: '12800.00', ageDays: 1 })]);
    expect(figures).toMatchObject({ ledgerEscrowEqualsParts: true, unexplainedDifference: '-100.01' });
    const errors = logged.filter((line) => line.level >= 50);
    expect(errors).toEqual([expect.objectContaining({ msg: 'reconciliation report does not balance', date: day3, currency: 'CNY', unexplainedDifference: '-100.01' })]);

    const operators = await db.prisma.party.count({ where: { roles: { has: 'PLATFORM' } } });
    expect(operators).toBeGreaterThan(0);
    const told = () => db.prisma.notification.findMany({ where: { kind: 'RECONCILIATION_REPORT_UNBALANCED' } });
    expect(await told()).toHaveLength(operators);
    expect((await told())[0]!.body).toContain('-100.01');
    // Asked again (a replayed cut-off): nothing recomputed, nobody told twice.
    await createCutOffActivities({ prisma: db.prisma, logger }).closeAccountingDay({ businessDate: day3, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'test' });
    expect(await told()).toHaveLength(operators);
    expect((await stored(day3)).report.version).toBe(1);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('answers operators alone, through GraphQL and as CSV, with the same figures as the PDF', async () => {
    const query = `query ($date: Date!) { reconciliationReport(date: $date, currency: "CNY") { date balanced version csvUrl pdfUrl closingBalance { amount } unexplainedDifference { amount }
      lines { position code label amount { amount currency } reference ageDays } } accountingDay(date: $date) { reconciliationReports { currency balanced } } }`;
    const answer = (await api.request<Record<string, any>>(operator.token, query, { date: day3 })).data!;
    expect(answer.reconciliationReport).toMatchObject({ date: day3, balanced: false, version: 1, csvUrl: `/reconciliation-reports/${day3}/CNY.csv`, closingBalance: { amount: '1000000.00' }, unexplainedDifference: { amount: '-100.01' } });
    expect(answer.accountingDay.reconciliationReports).toEqual([{ currency: 'CNY', balanced: false }]);
    const { figures } = await stored(day3);
    expect(answer.reconciliationReport.lines.map((line: any) => [line.code, line.amount.amount])).toEqual(figures.lines.map((line) => [line.code, line.amount]));

    const download = (token: string, url = answer.reconciliationReport.csvUrl) => fetch(new URL(url, api.url), { headers: { authorization: `Bearer ${token}` } });
    const response = await download(operator.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const records = (await response.text()).trimEnd().split('\r\n');
    const csvAmounts = records.slice(1, -1).map((record) => record.split(',')[5]);
    const pdfAmounts = reconciliationReportRows(figures).map((row) => row[4]!.replace(/,/g, ''));
    expect(csvAmounts).toEqual(pdfAmounts);
    expect(records.at(-1)).toBe(`${day3},CNY,${figures.lines.length + 1},NOT_BALANCED,不平 Does not balance,-100.01,,,`);

    // The PDF is the renderer's output for these stored figures: the rows compared above.
    // The API process renders nothing: until the worker has rendered the report, its PDF is not ready.
    const early = await download(operator.token, answer.reconciliationReport.pdfUrl);
    expect([early.status, early.headers.get('retry-after')]).toEqual([503, '5']);
    await early.arrayBuffer();
    expect(await renderReconciliationReportPdfs({ prisma: db.prisma, logger: testLogger })).toBeGreaterThanOrEqual(1);
    const pdf = await download(operator.token, answer.reconciliationReport.pdfUrl);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const stored3 = await stored(day3);
    expect(Buffer.from(await pdf.arrayBuffer()).equals(Buffer.from(await renderReconciliationReport(stored3.figures, stored3.report.computedAt)))).toBe(true);

    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    expect((await download(supplier.token)).status).toBe(404);
    expect((await download(supplier.token, answer.reconciliationReport.pdfUrl)).status).toBe(404);
    const denied = await api.request(supplier.token, query, { date: day3 });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
