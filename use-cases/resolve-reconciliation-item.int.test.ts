import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { DEFAULT_CUT_OFF } from '../domain/accounting-day';
import { addDays, businessDateOf, startOfBusinessDate } from '../domain/business-date';
import { ForbiddenError, NotFoundError, ValidationError, WrongStateError } from '../domain/errors';
import { Decimal } from '../domain/money';
import type { ReconciliationReportFigures } from '../domain/reconciliation-report';
import { ensurePlatformAccounts, partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { decideExceptionResolution, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { pollInboundCredits } from '../prisma/stores/inbound-store';
import { closeAccountingDay } from '../prisma/stores/ledger/accounting-days';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { postTransaction } from '../prisma/stores/ledger/postings';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { importBankStatement } from './import-bank-statement';
import { produceReconciliationReport } from './produce-reconciliation-report';
import { escrowAccountIs } from '../test/support/escrow-account';

// Resolving reconciliation differences by hand, with four eyes, over five days of one ledger and
// the bank simulator's escrow account. Day 1: a funder's top-up the feed books, and a credit of
// 5,000.00 the bank shows and the feed never reported (BANK_ONLY). Day 2: a fee sweep the ledger
// settled and the bank never executed (LEDGER_ONLY, 12,800.00). Day 3: one operator proposes,
// another approves: the credit parked in suspense (under its bank reference), the sweep written
// off as a reconciliation gain; both postings dated on day 3. Day 4: the feed finally reports the
// credit and books nothing; the parked money is written off too. Every day's report balances to
// the cent, and the days before the resolutions still show the items they had.

const PAYER = { payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222000000000001' };
const HOUR_MS = 60 * 60 * 1000;
const BENEFICIARY = { accountName: '某某商贸有限公司', accountNumber: '6222000000004444', bankName: '中国银行' };

describe('resolving reconciliation items', () => {
  let db: TestDatabase;
  let api: TestApi;
  let maker: TestActor;
  let checker: TestActor;
  let bank: BankSimulator;
  let cursor: string | null = null;
  const t1 = new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -20)).getTime() + 2 * HOUR_MS);
  const day1 = businessDateOf(t1);
  const day2 = addDays(day1, 1);
  const day3 = addDays(day1, 2);
  const day4 = addDays(day1, 3);
  const at = (day: string, hours: number) => new Date(startOfBusinessDate(day).getTime() + hours * HOUR_MS);
  const clock = { now: t1 };
  const logger = testLogger;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The maker may check too, so that checking its own proposal is refused for being its own, not for its role.
    maker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER'] });
    checker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['CHECKER'] });
    api = await startTestApi(db.prisma);
    bank = new BankSimulator({ pool: db.url, escrowAccountNumber: `3100${String(process.pid).padStart(8, '0')}555`, clock: () => clock.now });
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
  async function post(key: string, effectiveAt: Date, code: string, amount: string, debit: string, credit: string) {
    return postTransaction(db.prisma, {
      idempotencyKey: `resolve-test:${key}`,
      code,
      effectiveAt,
      entries: [
        { accountId: debit, direction: 'DEBIT', amount, currency: 'CNY' },
        { accountId: credit, direction: 'CREDIT', amount, currency: 'CNY' },
      ],
    });
  }
  const close = (date: string) => closeAccountingDay(db.prisma, { businessDate: date, settings: DEFAULT_CUT_OFF, at: new Date(), closedBy: 'test' });
  // The bank writes a day's statement once its business date has moved on.
  const importDay = async (date: string) => {
    clock.now = at(addDays(date, 1), 1);
    return importStatementOf(date);
  };
  const importStatementOf = async (date: string) => importBankStatement({ prisma: db.prisma, logger }, await actorOf(db.prisma, maker), await bank.fetchStatementFile(date, 'CNY', 'CSV'));
  const report = async (date: string) => {
    const row = await db.prisma.reconciliationReport.findUniqueOrThrow({ where: { businessDate_currency: { businessDate: new Date(`${date}T00:00:00.000Z`), currency: 'CNY' } } });
    const figures = row.figures as unknown as ReconciliationReportFigures;
    return { row, figures, amounts: Object.fromEntries(figures.lines.filter((line) => !line.itemId).map((line) => [line.code, line.amount])), items: figures.lines.filter((line) => line.itemId).map((line) => [line.code, line.amount]) };
  };
  const escrowBalance = async () => {
    const escrow = await db.prisma.ledgerAccount.findUniqueOrThrow({ where: { code: platformAccountCode('ESCROW_BANK', 'CNY') } });
    return escrow.debitsPosted.minus(escrow.creditsPosted).toFixed(2);
  };
  const PROPOSE = `mutation Propose($id: ID!, $input: ProposeReconciliationItemResolutionInput!) {
    proposeReconciliationItemResolution(id: $id, input: $input) {
      __typename
      ... on ReconciliationItem { status pendingResolution { kind status amount { amount currency } note proposedBy { email } } }
      ... on Error { code message }
    }
  }`;
  const APPROVE = `mutation Approve($id: ID!) { approveReconciliationItemResolution(id: $id) { __typename ... on ReconciliationItem { status } ... on Error { code message } } }`;

  it('keeps the report balanced to the cent while items are open, resolved, and resolved again by the feed', async () => {
    // Day 1: the top-up (booked by the feed, fees earned) and a credit the feed never reports.
    const parties = await createFinancingParties(db.prisma);
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    await bank.receiveInboundCredit({ virtualAccountNumber: funding.virtualAccountNumber!, amount: '1000000.00', currency: 'CNY', ...PAYER, remittanceInformation: '保理资金 funding' });
    await feed();
    const platform = await ensurePlatformAccounts(db.prisma, 'CNY');
    await post('fees', t1, 'DISBURSEMENT_FEES', '12800.00', funding.id, platform.FEE_INCOME.id);
    clock.now = at(day1, 3);
    await bank.receiveInboundCredit({ virtualAccountNumber: '9558800000000009991', amount: '5000.00', currency: 'CNY', payerName: '广州云海贸易有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '货款' });
    await close(day1);
    await importDay(day1);
    expect((await report(day1)).figures).toMatchObject({ closingBalance: '1005000.00', ledgerEscrowBalance: '1000000.00', unexplainedDifference: '0.00', balanced: true });

    // Day 2: the ledger settles a fee sweep the bank never executes.
    const t2 = at(day2, 2);
    const inTransit = await post('sweep', t2, 'FEE_SWEEP', '12800.00', platform.FEE_INCOME.id, platform.PAYOUT_IN_TRANSIT.id);
    const settled = await post('sweep-settled', t2, 'PAYOUT_SETTLED', '12800.00', platform.PAYOUT_IN_TRANSIT.id, platform.ESCROW_BANK.id);
    await db.prisma.payout.create({
      data: {
        purpose: 'FEE_SWEEP', partyId: maker.partyId, sourceAccountId: platform.FEE_INCOME.id, attempt: 1, payoutReference: 'FSW-2026-000077', amount: '12800.00', currency: 'CNY',
        beneficiaryName: '平台自有账户 Platform own account', beneficiaryAccountNumber: '6222000000009999', beneficiaryBank: '中国工商银行', status: 'SETTLED', settledAt: t2,
        inTransitTransactionId: inTransit.transactionId, settledTransactionId: settled.transactionId, requestKey: 'resolve-test:sweep', requestHash: 'a'.repeat(64),
      },
    });
    await close(day2);
    await importDay(day2);
    const reportOfDay2 = await report(day2);
    expect(reportOfDay2.figures).toMatchObject({ closingBalance: '1005000.00', ledgerEscrowBalance: '987200.00', bankOnlyTotal: '5000.00', ledgerOnlyTotal: '12800.00', unexplainedDifference: '0.00', balanced: true });

    // The work queue, filtered by status and the day of the first statement.
    const queue = await api.call(maker.token, `query Queue($from: Date, $to: Date) { reconciliationItems(first: 10, from: $from, to: $to) { totalCount edges { node { id outcome status kind amount { amount } } } } }`, { from: day1, to: day2 });
    const nodes = queue.edges.map((edge: { node: Record<string, any> }) => edge.node);
    expect(queue.totalCount).toBe(3);
    const matched = nodes.find((node: any) => node.outcome === 'MATCHED');
    const surplus = nodes.find((node: any) => node.outcome === 'BANK_ONLY');
    const unpaid = nodes.find((node: any) => node.outcome === 'LEDGER_ONLY');
    expect(surplus).toMatchObject({ status: 'OPEN', kind: 'INBOUND_CREDIT', amount: { amount: '5000.00' } });
    expect(unpaid).toMatchObject({ status: 'OPEN', kind: 'PAYOUT', amount: { amount: '12800.00' } });
    expect((await api.call(maker.token, `query { reconciliationItems(first: 10, from: "${day2}", status: OPEN) { totalCount } }`)).totalCount).toBe(1);

    // Bad input through the API: typed errors, nothing proposed.
    const propose = (token: string, id: string, input: Record<string, unknown>) => api.call(token, PROPOSE, { id, input: { note: '查无此款，转入挂账 nobody claims it', ...input } });
    expect(await propose(maker.token, matched.id, { kind: 'WRITE_OFF', amount: '1000000.00' })).toMatchObject({ __typename: 'WrongStateError', code: 'WRONG_STATE' });
    expect(await propose(maker.token, surplus.id, { kind: 'WRITE_OFF', amount: '5000.00' })).toMatchObject({ __typename: 'ValidationError', code: 'RESOLUTION_NOT_ALLOWED' });
    expect(await propose(maker.token, surplus.id, { kind: 'SUSPENSE', amount: '5000.01' })).toMatchObject({ __typename: 'ValidationError', code: 'RESOLUTION_AMOUNT_MISMATCH' });
    expect(await propose(maker.token, unpaid.id, { kind: 'SUSPENSE', amount: '-12800.00' })).toMatchObject({ __typename: 'ValidationError', code: 'RESOLUTION_AMOUNT_MISMATCH' });
    expect(await propose(checker.token, surplus.id, { kind: 'SUSPENSE', amount: '5000.00' })).toMatchObject({ __typename: 'ForbiddenError' });
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['MAKER'] });
    expect(await propose(supplier.token, surplus.id, { kind: 'SUSPENSE', amount: '5000.00' })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await db.prisma.reconciliationResolution.count()).toBe(0);

    // One operator proposes; a second proposal waits for the first; the proposer cannot approve.
    expect(await propose(maker.token, surplus.id, { kind: 'SUSPENSE', amount: '5000.00' })).toMatchObject({
      __typename: 'ReconciliationItem',
      status: 'OPEN',
      pendingResolution: { kind: 'SUSPENSE', status: 'PROPOSED', amount: { amount: '5000.00', currency: 'CNY' }, proposedBy: { email: expect.any(String) } },
    });
    expect(await propose(maker.token, surplus.id, { kind: 'SUSPENSE', amount: '5000.00' })).toMatchObject({ __typename: 'ConflictError', code: 'RESOLUTION_ALREADY_PROPOSED' });
    expect(await api.call(maker.token, APPROVE, { id: surplus.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
    expect(await propose(maker.token, unpaid.id, { kind: 'WRITE_OFF', amount: '12800.00' })).toMatchObject({ __typename: 'ReconciliationItem' });

    // Day 3: the checker approves both, the postings dated on day 3 (an open day).
    const checkerActor = await actorOf(db.prisma, checker);
    const surplusId = (await db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'BANK_ONLY' } })).id;
    const unpaidId = (await db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'LEDGER_ONLY' } })).id;
    const parked = await decideItemResolution(db.prisma, checkerActor, surplusId, true, at(day3, 10));
    const writtenOff = await decideItemResolution(db.prisma, checkerActor, unpaidId, true, at(day3, 11));
    expect(parked.item).toMatchObject({ status: 'RESOLVED', bookedTransactionId: expect.any(String), resolutionId: expect.any(String) });
    expect(writtenOff.item.status).toBe('RESOLVED');
    // Approving again moves nothing; the same key would replay the posting anyway.
    const again = await decideItemResolution(db.prisma, checkerActor, surplusId, true, at(day3, 12));
    expect(again).toMatchObject({ replayed: true, item: { bookedTransactionId: parked.item.bookedTransactionId } });
    await expect(proposeItemResolution(db.prisma, await actorOf(db.prisma, maker), surplusId, { kind: 'SUSPENSE', amount: '5000.00', note: 'again' })).rejects.toThrow(WrongStateError);
    const posting = await db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: parked.item.bookedTransactionId! } });
    expect(posting).toMatchObject({ code: 'RECONCILIATION_PARKED', idempotencyKey: `reconciliation-item:${surplusId}:resolution:${parked.item.resolutionId}` });
    const gainPosting = await db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: writtenOff.item.bookedTransactionId! }, include: { entries: true } });
    expect(gainPosting.code).toBe('RECONCILIATION_GAIN');
    const gain = (await findAccountByCode(db.prisma, platformAccountCode('RECONCILIATION_GAIN', 'CNY')))!;
    expect(gainPosting.entries.map((entry) => [entry.accountId === gain.id ? 'gain' : entry.accountId === platform.ESCROW_BANK.id ? 'escrow' : '?', entry.direction, entry.amount.toFixed(2)]).sort()).toEqual([
      ['escrow', 'DEBIT', '12800.00'],
      ['gain', 'CREDIT', '12800.00'],
    ]);
    const resolution = await api.call(maker.token, `query Item($id: ID!) { node(id: $id) { ... on ReconciliationItem { status resolution { kind status amount { amount } decidedBy { email } transaction { code } exception { reason heldAmount { amount } payerName } } bookedTransaction { code } } } }`, { id: surplus.id });
    expect(resolution).toMatchObject({
      status: 'RESOLVED',
      resolution: { kind: 'SUSPENSE', status: 'APPROVED', amount: { amount: '5000.00' }, decidedBy: { email: expect.any(String) }, transaction: { code: 'RECONCILIATION_PARKED' }, exception: { reason: 'RECONCILIATION', heldAmount: { amount: '5000.00' }, payerName: '广州云海贸易有限公司' } },
      bookedTransaction: { code: 'RECONCILIATION_PARKED' },
    });

    // The report of day 2 is what it was: the items were open that day.
    expect(await produceReconciliationReport({ prisma: db.prisma, logger }, day2, 'CNY')).toMatchObject({ outcome: 'UNCHANGED' });

    clock.now = at(day3, 12);
    await close(day3);
    await importDay(day3);
    const reportOfDay3 = await report(day3);
    expect(reportOfDay3.amounts).toEqual({
      BANK_OPENING: '1005000.00',
      BANK_CREDITS: '0.00',
      BANK_DEBITS: '0.00',
      BANK_CLOSING: '1005000.00',
      SUPPLIER_SETTLEMENT: '0.00',
      FUNDER_FUNDING: '987200.00',
      CORE_REPAYMENT: '0.00',
      COLLECTION: '0.00',
      FEE_INCOME: '0.00',
      PLATFORM_OTHER: '12800.00',
      PAYOUT_IN_TRANSIT: '0.00',
      INBOUND_CLEARING: '0.00',
      SUSPENSE: '5000.00',
      LEDGER_ESCROW_BANK: '1005000.00',
      EXPLAINED_CLOSING: '1005000.00',
      UNEXPLAINED_DIFFERENCE: '0.00',
    });
    expect(reportOfDay3.items).toEqual([]);
    expect(reportOfDay3.figures.balanced).toBe(true);

    // Day 4: the feed finally reports the credit: it was parked under its bank reference, so
    // nothing is booked a second time. Then the parked money is written off, with four eyes.
    clock.now = at(day4, 9);
    // A poller that looked for a parked credit just before the approval parked it goes on to book
    // it: the booking itself must find the reference taken, under the feed's lock.
    const { credits: late } = await bank.listInboundCredits(cursor, 10);
    const parkedCredit = late.find((credit) => credit.amount === '5000.00');
    expect(parkedCredit).toBeDefined();
    await expect(recordInboundCredit(db.prisma, parkedCredit!)).rejects.toMatchObject({ code: 'BANK_LINE_KEPT' });
    expect(await escrowBalance()).toBe('1005000.00');
    await feed();
    expect(await escrowBalance()).toBe('1005000.00');
    expect(await db.prisma.inboundCredit.count({ where: { amount: '5000.00' } })).toBe(0);
    const exception = await db.prisma.inboundException.findFirstOrThrow({ where: { reason: 'RECONCILIATION' } });
    const makerActor = await actorOf(db.prisma, maker);
    await expect(proposeExceptionResolution(db.prisma, makerActor, exception.id, { writeOff: true, refund: true, note: 'x' })).rejects.toMatchObject({ code: 'RESOLUTION_AMBIGUOUS' });
    await proposeExceptionResolution(db.prisma, makerActor, exception.id, { writeOff: true, note: '付款人查无此人，核销 nobody claims it' }, at(day4, 10));
    await expect(decideExceptionResolution(db.prisma, makerActor, exception.id, true, at(day4, 11))).rejects.toMatchObject({ code: 'MAKER_CANNOT_CHECK' });
    const written = await decideExceptionResolution(db.prisma, checkerActor, exception.id, true, at(day4, 11));
    expect(written).toMatchObject({ status: 'RESOLVED', resolutionKind: 'WRITE_OFF' });
    expect((await db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: written.resolutionTransactionId! } })).code).toBe('WRITE_OFF');
    clock.now = at(day4, 12);
    await close(day4);
    await importDay(day4);
    const reportOfDay4 = await report(day4);
    expect(reportOfDay4.amounts).toMatchObject({ BANK_CLOSING: '1005000.00', FUNDER_FUNDING: '987200.00', PLATFORM_OTHER: '17800.00', SUSPENSE: '0.00', LEDGER_ESCROW_BANK: '1005000.00', EXPLAINED_CLOSING: '1005000.00', UNEXPLAINED_DIFFERENCE: '0.00' });
    expect(reportOfDay4.items).toEqual([]);
    expect(reportOfDay4.figures.balanced).toBe(true);
    await verifyLedgerInvariants(db.prisma);
  });

  it('refuses unknown items, decisions with nothing proposed, and a rejected proposal leaves the item open for a new one', async () => {
    const makerActor = await actorOf(db.prisma, maker);
    const checkerActor = await actorOf(db.prisma, checker);
    await expect(proposeItemResolution(db.prisma, makerActor, '00000000-0000-4000-8000-000000000000', { kind: 'WRITE_OFF', amount: '1.00', note: 'x' })).rejects.toThrow(NotFoundError);
    await expect(proposeItemResolution(db.prisma, makerActor, 'not-a-uuid', { kind: 'WRITE_OFF', amount: '1.00', note: 'x' })).rejects.toThrow(NotFoundError);
    const resolved = await db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'LEDGER_ONLY' } });
    await expect(decideItemResolution(db.prisma, checkerActor, resolved.id, false)).rejects.toThrow(WrongStateError);
    await expect(proposeItemResolution(db.prisma, makerActor, resolved.id, { kind: 'WRITE_OFF', amount: 'twelve', note: 'x' })).rejects.toThrow(ValidationError);

    // A day with a payout the bank paid that the ledger knows nothing of: a shortage, written off as a loss.
    const day5 = addDays(day4, 1);
    clock.now = at(day5, 9);
    await bank.submitPayout({ payoutReference: 'UNKNOWN-2026-0001', amount: '300.25', currency: 'CNY', beneficiary: BENEFICIARY, remittanceInformation: 'x' });
    await close(day5);
    await importDay(day5);
    const shortage = await db.prisma.reconciliationItem.findFirstOrThrow({ where: { outcome: 'BANK_ONLY', kind: 'PAYOUT' } });
    await expect(proposeItemResolution(db.prisma, makerActor, shortage.id, { kind: 'SUSPENSE', amount: '-300.25', note: 'x' })).rejects.toMatchObject({ code: 'RESOLUTION_NOT_ALLOWED' });
    // Only a bank's reversal of a credit names an account to recover the money from.
    await expect(proposeItemResolution(db.prisma, makerActor, shortage.id, { kind: 'RECOVER', amount: '-300.25', note: 'x' })).rejects.toMatchObject({ code: 'RESOLUTION_NOT_ALLOWED' });
    await proposeItemResolution(db.prisma, makerActor, shortage.id, { kind: 'WRITE_OFF', amount: '-300.25', note: '银行误付 the bank paid it' });
    await decideItemResolution(db.prisma, checkerActor, shortage.id, false);
    expect(await db.prisma.reconciliationResolution.findFirstOrThrow({ where: { itemId: shortage.id } })).toMatchObject({ status: 'REJECTED', checkerUserId: checker.userId });
    await expect(proposeItemResolution(db.prisma, makerActor, shortage.id, { kind: 'WRITE_OFF', amount: '-300.25', note: '核销 write off' })).resolves.toMatchObject({ status: 'OPEN' });
    await expect(decideItemResolution(db.prisma, makerActor, shortage.id, true)).rejects.toThrow(ForbiddenError);
    const lossBefore = await escrowBalance();
    const decided = await decideItemResolution(db.prisma, checkerActor, shortage.id, true);
    expect(decided.item.status).toBe('RESOLVED');
    expect((await db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: decided.item.bookedTransactionId! } })).code).toBe('RECONCILIATION_LOSS');
    const loss = await db.prisma.ledgerAccount.findUniqueOrThrow({ where: { code: platformAccountCode('RECONCILIATION_LOSS', 'CNY') } });
    expect(loss.debitsPosted.minus(loss.creditsPosted).toFixed(2)).toBe('300.25');
    expect(await escrowBalance()).toBe(new Decimal(lossBefore).minus('300.25').toFixed(2));
    await expect(proposeItemResolution(db.prisma, makerActor, shortage.id, { kind: 'WRITE_OFF', amount: '-300.25', note: 'x' })).rejects.toThrow(WrongStateError);
    await verifyLedgerInvariants(db.prisma);
  });
});
