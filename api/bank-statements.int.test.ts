import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { parseStatementFile } from '../bank/statement/parse-statement-file';
import { addDays, businessDateOf, startOfBusinessDate } from '../domain/business-date';
import { openPartyAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding, retryPayout } from '../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { pollInboundCredits } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { decideOfflineRepayment, proposeOfflineRepayment } from '../prisma/stores/offline-receipt-store';
import { recordPayoutOutcome } from '../prisma/stores/payout-store';
import { enrollSupplier } from '../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../prisma/stores/receivable-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';
import { createPayoutActivities } from '../workflows/activities/payout-activities';
import { escrowAccountIs } from '../test/support/escrow-account';

// The escrow bank's statement, imported over real HTTP and matched against the ledger, with the
// bank simulator as the bank and real PostgreSQL (docs/reconciliation.md). Each scenario plays on
// its own escrow account and its own days, so what one books is never another's ledger-only item.

const DAY_MS = 24 * 60 * 60 * 1000;
const IMPORT = `mutation ($input: ImportBankStatementInput!) { importBankStatement(input: $input) {
  __typename
  ... on ImportBankStatementResult { importedBefore returnsBooked statement { id statementDate openingBalance { amount } closingBalance { amount } entryCount duplicateCount
    lines(first: 100) { edges { node { position bankReference kind amount { amount } duplicate reconciliation { outcome status rule detail inboundCredit { id } payout { id } } } } } } }
  ... on Error { code message }
  ... on ValidationError { issues { path message } }
  ... on StatementContinuityError { statementDate balance { amount currency } adjacentDate adjacentBalance { amount currency } }
} }`;
const ITEMS = `query ($outcome: ReconciliationOutcome, $status: ReconciliationStatus) { reconciliationItems(first: 100, outcome: $outcome, status: $status) {
  edges { node { outcome status kind amount { amount } rule firstStatementDate lastCheckedDate escalatedAt line { bankReference } payout { id } inboundCredit { id } } } } }`;
const PAYER = { payerName: '前海恒信商业保理有限公司', payerAccountNumber: '6222000000000001' };

describe('bank statements', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;
  let parties: FinancingParties;
  let sequence = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function balance(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  /** The feed of one bank: every scenario's bank numbers its credits from 1, so each keeps its own cursor. */
  const cursors = new Map<BankSimulator, string | null>();
  async function feed(bank: BankSimulator) {
    const cursor = cursors.get(bank) ?? null;
    await db.prisma.bankCursor.upsert({ where: { name: 'inbound-credits' }, update: { cursor }, create: { name: 'inbound-credits', cursor } });
    const results = await pollInboundCredits(db.prisma, bank);
    cursors.set(bank, (await db.prisma.bankCursor.findUniqueOrThrow({ where: { name: 'inbound-credits' } })).cursor);
    return results;
  }

  /** A bank of its own (its own escrow account, the platform's from now on) whose clock the test moves. */
  async function bankAt(start: Date) {
    sequence += 1;
    const state = { now: start };
    const bank = new BankSimulator({ pool: db.url, escrowAccountNumber: `3100${String(process.pid).padStart(8, '0')}${String(sequence).padStart(3, '0')}`, clock: () => state.now });
    await escrowAccountIs(db.prisma, bank.escrowAccountNumber);
    return { bank, state };
  }

  /**
   * The funder tops up its account through the bank (1,000,000.00), a supplier applies for
   * 800,000.00 at `t0`, and the financing is approved, funded and disbursed at `t0`: the payout
   * of the net 787,200.00 is sent to the bank, which does what `script` says.
   */
  async function disbursedAt(bank: BankSimulator, t0: Date, script?: Parameters<BankSimulator['script']>[0]) {
    sequence += 1;
    // A program of its own: each financing uses most of a program's limit.
    parties = await createFinancingParties(db.prisma);
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    const supplierActor = await actorOf(db.prisma, supplier);
    await registerBankAccount(db.prisma, supplierActor, supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' }, t0);
    const input = registrationInput(parties.core.creditCode, { dueDate: addDays(businessDateOf(t0), 90) }, t0);
    const { receivable } = await registerReceivable(db.prisma, supplierActor, input, { now: t0, confirmationWindowMs: 7 * DAY_MS });
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `test:${receivable.id}:confirm`, t0);
    const funderVan = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;
    const topUp = await bank.receiveInboundCredit({ virtualAccountNumber: funderVan, amount: '1000000.00', currency: 'CNY', ...PAYER, remittanceInformation: '保理资金 funding' });
    await feed(bank);
    const { financing } = await applyForFinancing(db.prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `apply-${sequence}` }, TEST_FINANCING_WINDOWS, t0);
    const id = financing.id;
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(t0.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, { userId: parties.core.userId, partyId: parties.core.partyId }, `ack-${id}`, t0);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, { userId: parties.funder.userId, partyId: parties.funder.partyId }, `approve-${id}`, t0);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, { userId: parties.funderChecker.userId, partyId: parties.funderChecker.partyId }, `confirm-${id}`, t0);
    await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs, t0);
    const payout = (await disburse(db.prisma, id, t0))!;
    if (script) await bank.script({ payoutReference: payout.payoutReference, ...script });
    const payouts = createPayoutActivities({ prisma: db.prisma, logger: testLogger, bank });
    const status = await payouts.submitPayout({ payoutId: payout.id, at: t0 });
    return { financing, payout, payouts, status, supplier, supplierActor, topUp, funderVan, supplierCode: partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY') };
  }

  async function importFile(format: 'CAMT053' | 'CSV', content: string, token = operator.token) {
    return api.call(token, IMPORT, { input: { format, content } });
  }

  function linesOf(result: any) {
    return result.statement.lines.edges.map(({ node }: any) => [node.kind, node.amount.amount, node.duplicate, node.reconciliation?.outcome ?? null, node.reconciliation?.status ?? null, node.reconciliation?.rule ?? null]);
  }

  /** 10:00 on the business day `daysAgo` days before today. */
  function morningOf(daysAgo: number): Date {
    return new Date(startOfBusinessDate(addDays(businessDateOf(new Date()), -daysAgo)).getTime() + 2 * 60 * 60 * 1000);
  }

  it('matches a clean day, reads camt.053 and CSV alike, answers a second import with the stored statement, and refuses a broken chain of balances', async () => {
    const t0 = morningOf(40);
    const day = businessDateOf(t0);
    const { bank, state } = await bankAt(t0);
    try {
      const { payout, topUp, status } = await disbursedAt(bank, t0);
      expect(status).toBe('SETTLED');
      const camt = await bank.fetchStatementFile(day, 'CNY', 'CAMT053');
      const csv = await bank.fetchStatementFile(day, 'CNY', 'CSV');
      // Both files say the same: the same normalised statement, so the same matching.
      expect(parseStatementFile(camt)).toEqual(parseStatementFile(csv));

      const first = await importFile('CAMT053', camt.content);
      expect(first).toMatchObject({ __typename: 'ImportBankStatementResult' });
      expect(first).toMatchObject({ importedBefore: false, returnsBooked: 0, statement: { statementDate: day, openingBalance: { amount: '0.00' }, closingBalance: { amount: '212800.00' }, entryCount: 2, duplicateCount: 0 } });
      expect(linesOf(first)).toEqual([
        ['INBOUND_CREDIT', '1000000.00', false, 'MATCHED', 'RESOLVED', 'BANK_REFERENCE'],
        ['PAYOUT', '787200.00', false, 'MATCHED', 'RESOLVED', 'PAYOUT_REFERENCE'],
      ]);
      const [credit, paid] = first.statement.lines.edges.map(({ node }: any) => node);
      const booked = await db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: topUp.bankReference } });
      expect(credit.reconciliation.inboundCredit).toEqual({ id: globalId('InboundCredit', booked.id) });
      expect(paid.reconciliation.payout).toEqual({ id: globalId('Payout', payout.id) });

      // The same day again, as CSV: nothing changes, the stored statement answers.
      const counts = async () => [await db.prisma.bankStatement.count(), await db.prisma.bankStatementLine.count(), await db.prisma.reconciliationItem.count()];
      const before = await counts();
      const again = await importFile('CSV', csv.content);
      expect(again).toMatchObject({ importedBefore: true, statement: { id: first.statement.id } });
      expect(await counts()).toEqual(before);
      // Another file for the same day is refused.
      const altered = csv.content.replace(topUp.bankReference, 'OTHERREF00000001');
      expect(await importFile('CSV', altered)).toMatchObject({ __typename: 'ConflictError', code: 'STATEMENT_ALREADY_IMPORTED' });

      // The next day opens one cent above where this one closed: refused, nothing stored.
      state.now = new Date(t0.getTime() + DAY_MS);
      const next = await bank.fetchStatementFile(addDays(day, 1), 'CNY', 'CSV');
      const broken = next.content.replaceAll(',212800.00,212800.00,', ',212800.01,212800.01,');
      expect(broken).not.toBe(next.content);
      expect(await importFile('CSV', broken)).toEqual({
        __typename: 'StatementContinuityError',
        code: 'STATEMENT_BALANCE_DISCONTINUOUS',
        message: `the opening balance 212800.01 CNY of the statement of ${addDays(day, 1)} is not the closing balance 212800.00 CNY of the statement of ${day}`,
        statementDate: addDays(day, 1),
        balance: { amount: '212800.01', currency: 'CNY' },
        adjacentDate: day,
        adjacentBalance: { amount: '212800.00', currency: 'CNY' },
      });
      expect(await counts()).toEqual(before);
      expect((await importFile('CSV', next.content)).statement.openingBalance.amount).toBe('212800.00');
    } finally {
      await bank.close();
    }
  });

  it('refuses malformed files with what is wrong and where, and anyone but an operator', async () => {
    const t0 = morningOf(45);
    const { bank } = await bankAt(t0);
    try {
      const camt = await bank.fetchStatementFile(businessDateOf(t0), 'CNY', 'CAMT053');
      expect(await importFile('CAMT053', camt.content.replace('</Stmt>', '</Stmnt>'))).toMatchObject({ __typename: 'ValidationError', code: 'STATEMENT_MALFORMED', issues: [{ path: ['content', expect.stringMatching(/^line \d+, column \d+$/)] }] });
      expect(await importFile('CAMT053', camt.content.replace(/<Bal>[\s\S]*?<\/Bal>/, ''))).toMatchObject({ code: 'STATEMENT_MALFORMED', issues: [{ path: ['content', 'Stmt/Bal'], message: 'expected one OPBD balance, found 0' }] });
      expect(await importFile('CSV', 'record,statement_id\r\nSTATEMENT,x\r\n')).toMatchObject({ code: 'STATEMENT_MALFORMED', issues: [{ path: ['content', 'line 1'] }] });
      expect(await importFile('CSV', 'x'.repeat(8 * 1024 * 1024 + 1))).toMatchObject({ code: 'STATEMENT_MALFORMED', issues: [{ path: ['content', 'file'], message: expect.stringContaining('at most 8388608') }] });
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
      expect(await importFile('CAMT053', camt.content, supplier.token)).toMatchObject({ __typename: 'ForbiddenError' });
      expect(await db.prisma.bankStatement.count({ where: { accountNumber: bank.escrowAccountNumber } })).toBe(0);
    } finally {
      await bank.close();
    }
  });

  it('finds a payout the bank returned 7 days after it settled, books it back to the supplier and lets a person pay it again', async () => {
    const t0 = morningOf(30);
    const day = businessDateOf(t0);
    const { bank, state } = await bankAt(t0);
    try {
      const { financing, payout, payouts, supplierActor, supplierCode } = await disbursedAt(bank, t0, { behaviour: 'RETURN_AFTER', delayMs: 7 * DAY_MS, reason: '收款人户名不符 name does not match' });
      expect(linesOf(await importFile('CAMT053', (await bank.fetchStatementFile(day, 'CNY', 'CAMT053')).content)).map((line: any[]) => line[3])).toEqual(['MATCHED', 'MATCHED']);
      // The workflow watched the payout for 5 days and saw it settled; the bank sends it back on day 7.
      state.now = new Date(t0.getTime() + 7 * DAY_MS);
      expect((await db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } })).status).toBe('SETTLED');
      const returned = await importFile('CAMT053', (await bank.fetchStatementFile(addDays(day, 7), 'CNY', 'CAMT053')).content);
      expect(returned).toMatchObject({ returnsBooked: 1, statement: { openingBalance: { amount: '212800.00' }, closingBalance: { amount: '1000000.00' } } });
      expect(linesOf(returned)).toEqual([['PAYOUT_RETURN', '787200.00', false, 'BANK_ONLY', 'RESOLVED', 'RETURN_BOOKED']]);
      const after = await db.prisma.payout.findUniqueOrThrow({ where: { id: payout.id } });
      expect([after.status, after.returnedAmount?.toFixed(2)]).toEqual(['RETURNED', '787200.00']);
      expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id } })).status).toBe('PAYOUT_FAILED');
      // The money is back where a person can pay it again.
      expect(await balance(supplierCode)).toBe('787200.00');
      const item = await db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, kind: 'PAYOUT_RETURN' } });
      expect(item.bookedTransactionId).toBe(after.reversalTransactionId);
      const retried = await retryPayout(db.prisma, supplierActor, financing.id, `retry-${financing.id}`, state.now);
      expect([retried.attempt, retried.amount.toFixed(2)]).toEqual([2, '787200.00']);
      expect(await payouts.submitPayout({ payoutId: retried.id, at: state.now })).toBe('SETTLED');
      expect(await balance(supplierCode)).toBe('0.00');
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    } finally {
      await bank.close();
    }
  });

  it('matches a credit by its virtual account whatever its memo, holds an unknown credit as BANK_ONLY until the feed books it, counts a repeated line once, and escalates a payout the bank never executed', async () => {
    const t0 = morningOf(20);
    const day = businessDateOf(t0);
    const { bank, state } = await bankAt(t0);
    try {
      // The bank never receives the payout; a faulty booking records it settled anyway.
      const { payout, funderVan, topUp } = await disbursedAt(bank, t0, { behaviour: 'TIMEOUT_NOT_RECEIVED' });
      await recordPayoutOutcome(db.prisma, payout.id, { kind: 'BANK', view: { payoutReference: payout.payoutReference, status: 'SETTLED', amount: '787200.00', currency: 'CNY', bankReference: null, failureReason: null, settledAt: t0, failedAt: null, returnedAt: null, returnReason: null } }, t0);
      // A top-up whose memo names someone else: the virtual account is right.
      const memo = await bank.receiveInboundCredit({ virtualAccountNumber: funderVan, amount: '50000.00', currency: 'CNY', ...PAYER, remittanceInformation: '货款 invoice 7781 for another buyer' });
      await feed(bank);
      // Money to a number nobody has, which the feed has not read yet.
      const unknown = await bank.receiveInboundCredit({ virtualAccountNumber: '9558800000009999999', amount: '1234.56', currency: 'CNY', ...PAYER, remittanceInformation: 'unknown' });

      const csv = (await bank.fetchStatementFile(day, 'CNY', 'CSV')).content;
      const rows = csv.split('\r\n');
      const topUpRow = rows.find((row) => row.includes(topUp.bankReference))!;
      // This bank's statement references differ from its feed's for the memo credit; and it lists the top-up twice.
      const file = rows.map((row) => row.replace(memo.bankReference, 'STMTREF000000042')).join('\r\n').replace(`${topUpRow}\r\n`, `${topUpRow}\r\n${topUpRow}\r\n`);
      const first = await importFile('CSV', file);
      expect(first.statement).toMatchObject({ entryCount: 4, duplicateCount: 1, openingBalance: { amount: '0.00' }, closingBalance: { amount: '1051234.56' } });
      expect(linesOf(first)).toEqual([
        ['INBOUND_CREDIT', '1000000.00', false, 'MATCHED', 'RESOLVED', 'BANK_REFERENCE'],
        ['INBOUND_CREDIT', '1000000.00', true, null, null, null],
        ['INBOUND_CREDIT', '50000.00', false, 'MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE'],
        ['INBOUND_CREDIT', '1234.56', false, 'BANK_ONLY', 'OPEN', null],
      ]);
      const ledgerOnly = await api.call(operator.token, ITEMS, { outcome: 'LEDGER_ONLY' });
      const mine = (edges: any[]) => edges.map(({ node }: any) => node).filter((node: any) => node.firstStatementDate >= day);
      expect(mine(ledgerOnly.edges)).toEqual([expect.objectContaining({ outcome: 'LEDGER_ONLY', status: 'OPEN', kind: 'PAYOUT', amount: { amount: '787200.00' }, payout: { id: globalId('Payout', payout.id) }, line: null })]);

      // The feed books the unknown credit into suspense; the next day's import matches the line.
      await feed(bank);
      expect((await db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: unknown.bankReference } })).outcome).toBe('SUSPENSE');
      const notices = () => db.prisma.notification.count({ where: { kind: 'RECONCILIATION_ITEM_UNRESOLVED' } });
      const operatorParties = await db.prisma.party.count({ where: { roles: { has: 'PLATFORM' } } });
      for (let n = 1; n <= 4; n += 1) {
        state.now = new Date(t0.getTime() + n * DAY_MS);
        await importFile('CSV', (await bank.fetchStatementFile(addDays(day, n), 'CNY', 'CSV')).content);
        const unknownItem = await db.prisma.reconciliationItem.findFirstOrThrow({ where: { amount: '1234.56', accountNumber: bank.escrowAccountNumber } });
        expect([n, unknownItem.outcome, unknownItem.status, unknownItem.rule]).toEqual([n, 'MATCHED', 'RESOLVED', 'BANK_REFERENCE']);
        const shortage = await db.prisma.reconciliationItem.findFirstOrThrow({ where: { payoutId: payout.id, outcome: 'LEDGER_ONLY' } });
        // Unresolved on the third day after the statement that should have shown it: attention, told once.
        expect([n, shortage.status, await notices()]).toEqual(n < 3 ? [n, 'OPEN', 0] : [n, 'NEEDS_ATTENTION', operatorParties]);
      }
      expect(operatorParties).toBeGreaterThan(0);
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    } finally {
      await bank.close();
    }
  });

  it('gives lines that compete for the same credits by virtual account each credit once, in the statement\'s order, and leaves the line over BANK_ONLY', async () => {
    const t0 = morningOf(40);
    const day = businessDateOf(t0);
    const { bank, state } = await bankAt(t0);
    try {
      const { funder } = await createFinancingParties(db.prisma);
      const van = (await findAccountByCode(db.prisma, partyAccountCode(funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;
      const credit = () => bank.receiveInboundCredit({ virtualAccountNumber: van, amount: '20000.00', currency: 'CNY', ...PAYER, remittanceInformation: 'top-up' });
      const booked = [await credit(), await credit()];
      await feed(bank);
      // A third credit of the same amount to the same account, which the feed has not read yet.
      state.now = new Date(t0.getTime() + 60_000);
      await credit();
      // The statement's references of the two booked credits differ from the feed's: all three
      // lines can only be matched by virtual account, amount and value date, to the same two credits.
      const csv = (await bank.fetchStatementFile(day, 'CNY', 'CSV')).content;
      const file = booked.reduce((text, { bankReference }, index) => text.replace(bankReference, `STMTREF00000009${index}`), csv);
      expect(linesOf(await importFile('CSV', file))).toEqual([
        ['INBOUND_CREDIT', '20000.00', false, 'MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE'],
        ['INBOUND_CREDIT', '20000.00', false, 'MATCHED', 'RESOLVED', 'ACCOUNT_AMOUNT_VALUE_DATE'],
        ['INBOUND_CREDIT', '20000.00', false, 'BANK_ONLY', 'OPEN', null],
      ]);
      const matched = await db.prisma.reconciliationItem.findMany({ where: { accountNumber: bank.escrowAccountNumber, outcome: 'MATCHED' }, select: { inboundCreditId: true } });
      const credits = await db.prisma.inboundCredit.findMany({ where: { bankReference: { in: booked.map(({ bankReference }) => bankReference) } }, select: { id: true } });
      expect(matched.map(({ inboundCreditId }) => inboundCreditId).sort()).toEqual(credits.map(({ id }) => id).sort());
    } finally {
      await bank.close();
    }
  });

  it('holds a line an approved offline receipt expects as BANK_ONLY until the feed books the money, then matches it', async () => {
    const t0 = morningOf(50);
    const day = businessDateOf(t0);
    const { bank, state } = await bankAt(t0);
    try {
      const { financing } = await disbursedAt(bank, t0);
      const maker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
      const checker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['CHECKER'] });
      const receipt = await proposeOfflineRepayment(db.prisma, await actorOf(db.prisma, maker), { financingId: financing.id, amount: '100000.00', bankReference: `CORE${sequence}REPAY`, note: '网银回单 online banking receipt' });
      await decideOfflineRepayment(db.prisma, await actorOf(db.prisma, checker), receipt.id, true);
      const collection = (await findAccountByCode(db.prisma, `financing:${financing.id}:COLLECTION:CNY`))!.virtualAccountNumber!;
      await bank.receiveInboundCredit({ bankReference: receipt.bankReference, virtualAccountNumber: collection, amount: '100000.00', currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' });

      const first = await importFile('CSV', (await bank.fetchStatementFile(day, 'CNY', 'CSV')).content);
      expect(first.statement.closingBalance.amount).toBe('312800.00');
      expect(linesOf(first)).toEqual([
        ['INBOUND_CREDIT', '1000000.00', false, 'MATCHED', 'RESOLVED', 'BANK_REFERENCE'],
        ['PAYOUT', '787200.00', false, 'MATCHED', 'RESOLVED', 'PAYOUT_REFERENCE'],
        ['INBOUND_CREDIT', '100000.00', false, 'BANK_ONLY', 'OPEN', 'EXPECTED_PAYMENT'],
      ]);
      const expected = await db.prisma.reconciliationItem.findFirstOrThrow({ where: { accountNumber: bank.escrowAccountNumber, rule: 'EXPECTED_PAYMENT' } });
      expect(expected.offlineRepaymentId).toBe(receipt.id);

      // The feed books the money (and matches the receipt to it); the next import matches the line.
      await feed(bank);
      expect((await db.prisma.offlineRepayment.findUniqueOrThrow({ where: { id: receipt.id } })).status).toBe('MATCHED');
      state.now = new Date(t0.getTime() + DAY_MS);
      await importFile('CSV', (await bank.fetchStatementFile(addDays(day, 1), 'CNY', 'CSV')).content);
      const matched = await db.prisma.reconciliationItem.findUniqueOrThrow({ where: { id: expected.id } });
      expect([matched.outcome, matched.status, matched.rule, matched.offlineRepaymentId]).toEqual(['MATCHED', 'RESOLVED', 'BANK_REFERENCE', null]);
      expect(matched.inboundCreditId).toBe((await db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: receipt.bankReference } })).id);
    } finally {
      await bank.close();
    }
  });
});
