import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BankSimulator } from '../bank/simulator/bank-simulator';
import { addDays, businessDateOf } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { holderPayoutId } from '../prisma/stores/voucher-distribution-store';
import type { TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { moneyScenario, type MoneyScenario } from '../test/support/money-scenario';
import { createActor, uniqueCreditCode, type TestActor } from '../test/support/parties';
import { uniqueInvoiceNumber } from '../test/support/receivables';
import { startTimeSkippingStack, type TimeSkippingStack } from '../test/support/time-skipping-stack';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { deliverWakeUps } from '../use-cases/deliver-wake-ups';
import { startVoucherPayments } from '../use-cases/start-voucher-payments';
import { workflowIds } from '../workflows/contracts/workflow-ids';
import type { DistributeVoucherPaymentResult } from '../workflows/contracts/voucher-payment';

// The scenario of docs/workflows/voucher.md ("The scenario, to the cent") walked through the
// service: real API over HTTP, the real worker and workflows on Temporal's time-skipping server,
// real PostgreSQL and the bank simulator on the workflow's clock. Every step a party takes is a
// GraphQL mutation of that party's users (the operator's too); the bank is played directly, as
// it is no party. Two vouchers of the same shape are issued, split, financed and disbursed on
// the same day, due 90 days later: the core enterprise pays the first in full on its due date
// and the second 90% the day after (a shortfall becomes a default once the due date has
// passed), and every figure is checked against the page's tables. The tenor is the page's (90
// days, value date to due date) counted from the test's clock, so the figures are the page's to
// the cent; only D's penalty differs, by the day the short payment came late.

type Result = Record<string, any>;
type Holder = 'T1' | 'A' | 'B' | 'C' | 'D' | 'E';

const ERRORS = `... on Error { __typename code message } ... on ValidationError { issues { path message } }`;
const CREATE_PARTY = `mutation ($input: CreatePartyInput!) { createParty(input: $input) { __typename ... on Party { id } ${ERRORS} } }`;
const CREATE_PROGRAM = `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { __typename ... on ProgramChange { id status } ${ERRORS} } }`;
const APPROVE_PROGRAM_CHANGE = `mutation ($id: ID!) { approveProgramChange(id: $id) { __typename ... on ProgramChange { id status program { id } } ${ERRORS} } }`;
const REGISTER_PAYOUT_ACCOUNT = `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) { __typename ... on PartyBankAccount { id status } ${ERRORS} } }`;
const APPROVE_PAYOUT_ACCOUNT = `mutation ($id: ID!) { approvePayoutAccount(id: $id) { __typename ... on PartyBankAccount { id status } ${ERRORS} } }`;
const TOP_UP = `{ topUpInstructions { purpose virtualAccountNumber } }`;
const TRANSFER = `__typename ... on VoucherTransfer { id status toPart { id } } ${ERRORS}`;
const ISSUE = `mutation ($input: IssueVoucherInput!) { issueVoucher(input: $input) { __typename ... on Voucher { id voucherNumber status parts { id } } ${ERRORS} } }`;
const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) { ${TRANSFER} } }`;
const DECIDE_TRANSFER = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${TRANSFER} } }`;
const PENDING_ISSUES = `{ voucherTransfers(first: 100, status: [PENDING_APPROVAL]) { edges { node { id isIssue voucher { id } } } } }`;
const FINANCING_RESULT = `__typename ... on Financing { id status } ${ERRORS}`;
const APPLY = `mutation ($input: ApplyForVoucherFinancingInput!) { applyForVoucherFinancing(input: $input) { ${FINANCING_RESULT} } }`;
const DECIDE_FINANCING = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${FINANCING_RESULT} } }`;
const FINANCING = `query ($id: ID!) { financing(id: $id) { status valueDate tenorDays principal { amount } interest { amount } fees { amount } netDisbursement { amount } disbursed { amount }
  repaid { principal { amount } interest { amount } penalty { amount } } outstanding { principal { amount } interest { amount } } surplusReturned { amount } penaltyAccrued { amount } penaltyDays overdueSince } }`;
const RECEIVABLES = `{ receivables(first: 100) { totalCount edges { node { supplier { legalName } contractNumber } } } }`;
const VOUCHER = `query ($id: ID!) { voucher(id: $id) { status parts { partNumber status heldAmount { amount } holding { amount } holder { legalName } } } }`;
const PART = `query ($id: ID!) { node(id: $id) { ... on VoucherPart { status heldAmount { amount } holding { amount } voucher { status } } } }`;
const CALENDAR = `query ($from: Date) { voucherMaturityCalendar(from: $from) { dueDate owed { amount } paid { amount } outstanding { amount } voucherCount
  vouchers { voucherNumber status amount { amount } paid { amount } collectionAccount { bankName accountName virtualAccountNumber } } } }`;

const NAMES: Record<Holder | 'Core' | 'F1' | 'F2', string> = {
  Core: '广州云海智能制造集团股份有限公司',
  T1: '深圳市华强精密电子有限公司',
  A: '东莞市精工模具有限公司',
  B: '惠州市鼎盛包装有限公司',
  C: '佛山市联发五金有限公司',
  D: '中山市恒达电镀厂',
  E: '江门市新材塑胶有限公司',
  F1: '前海恒信商业保理有限公司',
  F2: '广州融通商业保理有限公司',
};
const HOLDERS: Holder[] = ['T1', 'A', 'B', 'C', 'D', 'E'];
/** The page's split: T1 → A, B, C; C → D, E. */
const TRANSFERS: Array<[Holder, Holder, string]> = [
  ['T1', 'A', '3000000.00'],
  ['T1', 'B', '2500000.00'],
  ['T1', 'C', '3500000.00'],
  ['C', 'D', '1200000.00'],
  ['C', 'E', '800000.00'],
];
const HELD: Record<Holder, string> = { T1: '1000000.00', A: '3000000.00', B: '2500000.00', C: '1500000.00', D: '1200000.00', E: '800000.00' };

/** The page's two programs (its "Two financings" table). */
const COMMON_TERMS = { tenorDaysMax: 180, graceDays: 3, penaltyRate: '0.18', programLimit: '50000000.00', supplierLimit: '5000000.00', obligorLimit: '50000000.00', admitsVoucherHolders: true, voucherHolderLimit: '5000000.00' };
const F1_TERMS = { ...COMMON_TERMS, advanceRate: '0.8', annualRate: '0.06', interestMode: 'UPFRONT', dayCount: 'ACT_360', feeRate: '0.001', assignmentMode: 'OPEN', recourse: false, recourseAfterDays: null };
const F2_TERMS = { ...COMMON_TERMS, advanceRate: '0.9', annualRate: '0.055', interestMode: 'ARREARS', dayCount: 'ACT_365', flatFee: '500.00', assignmentMode: 'SILENT', recourse: true, recourseAfterDays: 30 };

interface Company {
  partyId: string;
  creditCode: string;
  maker: TestActor;
  checker: TestActor;
  /** The payout account registered for it (holders only). */
  accountNumber?: string;
}

interface IssuedVoucher {
  id: string;
  voucherNumber: string;
  van: string;
  parts: Record<Holder, string>;
}

describe('the voucher scenario of docs/workflows/voucher.md, end to end over the API', () => {
  let db: TestDatabase;
  let stack: TimeSkippingStack;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let worker: TestWorker;
  let running: Promise<void>;
  let money: MoneyScenario;
  let operator: TestActor;
  let operatorChecker: TestActor;
  const companies = {} as Record<Holder | 'Core' | 'F1' | 'F2', Company>;
  const programs = {} as Record<'F1' | 'F2', string>;
  const today = businessDateOf(new Date());
  const dueDate = addDays(today, 90);
  const vouchers: IssuedVoucher[] = [];
  /** The financings, by voucher (0: paid in full, 1: paid 90%) and financed holder. */
  const financings: Array<Record<'B' | 'D', string>> = [];

  beforeAll(async () => {
    // The workflow's clock runs months ahead of the database's: postings carry its time.
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    stack = await startTimeSkippingStack(db);
    ({ env, api, bank } = stack);
    money = moneyScenario(db, stack);
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
    running = worker.worker.run();
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER'], legalName: '供应链金融平台运营有限公司' });
    operatorChecker = await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await stack?.close();
    await db?.drop();
  });

  const call = async (by: TestActor, query: string, variables: Record<string, unknown> = {}): Promise<Result> => api.call(by.token, query, variables);
  /** A mutation whose answer must be of `typename` (and, when given, in `status`). */
  async function expectResult(by: TestActor, query: string, variables: Record<string, unknown>, typename: string, status?: string): Promise<Result> {
    const result = await call(by, query, variables);
    expect(result, JSON.stringify(result)).toMatchObject(status ? { __typename: typename, status } : { __typename: typename });
    return result;
  }
  const invoice = (amount: string) => ({ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount, issueDate: addDays(today, -10) });
  const balance = async (accountId: string) => (await getBalance(db.prisma, accountId)).posted.toFixed(2);
  const workflowNow = async () => new Date(await env.currentTimeMs());

  /** The operator registers the party; its users (a maker and a checker) get their API keys. */
  async function company(key: keyof typeof NAMES, roles: string[]): Promise<Company> {
    const creditCode = uniqueCreditCode();
    const created = await expectResult(operator, CREATE_PARTY, { input: { creditCode, legalName: NAMES[key], roles } }, 'Party');
    const partyId = rowId(created.id);
    const maker = await createActor(db.prisma, { partyId, userRoles: ['ADMIN', 'MAKER'] });
    const checker = await createActor(db.prisma, { partyId, userRoles: ['ADMIN', 'CHECKER'] });
    return { partyId, creditCode, maker, checker };
  }

  /** The operator proposes the program, a second operator and the funder approve it. */
  async function program(funder: 'F1' | 'F2', terms: Record<string, unknown>): Promise<string> {
    const proposed = await expectResult(operator, CREATE_PROGRAM, { input: { name: `云海凭证融资计划 ${funder}`, funderCreditCode: companies[funder].creditCode, coreCreditCode: companies.Core.creditCode, currency: 'CNY', terms } }, 'ProgramChange', 'PROPOSED');
    await expectResult(operatorChecker, APPROVE_PROGRAM_CHANGE, { id: proposed.id }, 'ProgramChange');
    const applied = await expectResult(companies[funder].maker, APPROVE_PROGRAM_CHANGE, { id: proposed.id }, 'ProgramChange', 'APPLIED');
    return applied.program.id;
  }

  /** A transfer as the page's flow has it: the transferor's maker proposes, its checker approves, the recipient accepts. */
  async function transfer(from: Holder, fromPartId: string, to: Holder, amount: string): Promise<string> {
    const proposed = await expectResult(companies[from].maker, PROPOSE, {
      input: { fromPartId, recipientCreditCode: companies[to].creditCode, contractNumber: `CG-${from}-${to}`, currency: 'CNY', amount, invoices: [invoice(amount)], idempotencyKey: `t-${uniqueInvoiceNumber()}` },
    }, 'VoucherTransfer', 'PENDING_APPROVAL');
    await expectResult(companies[from].checker, DECIDE_TRANSFER('approveVoucherTransfer'), { id: proposed.id }, 'VoucherTransfer', 'PENDING_ACCEPTANCE');
    await expectResult(companies[to].maker, DECIDE_TRANSFER('acceptVoucherTransfer'), { id: proposed.id }, 'VoucherTransfer', 'ACCEPTED');
    return proposed.toPart.id;
  }

  /** The core's maker issues to T1, its checker approves, T1 accepts: the root part. */
  async function issue(amount: string): Promise<{ id: string; voucherNumber: string; rootPartId: string }> {
    const core = companies.Core;
    const issued = await expectResult(core.maker, ISSUE, {
      input: { holderCreditCode: companies.T1.creditCode, contractNumber: 'HT-2026-0815', currency: 'CNY', amount, dueDate, invoices: [invoice(amount)], idempotencyKey: `issue-${uniqueInvoiceNumber()}` },
    }, 'Voucher');
    const pending = (await call(core.checker, PENDING_ISSUES)).edges.map((edge: Result) => edge.node).find((node: Result) => node.isIssue && node.voucher.id === issued.id);
    expect(pending).toBeDefined();
    await expectResult(core.checker, DECIDE_TRANSFER('approveVoucherTransfer'), { id: pending.id }, 'VoucherTransfer', 'PENDING_ACCEPTANCE');
    await expectResult(companies.T1.maker, DECIDE_TRANSFER('acceptVoucherTransfer'), { id: pending.id }, 'VoucherTransfer', 'ACCEPTED');
    return { id: issued.id, voucherNumber: issued.voucherNumber, rootPartId: issued.parts[0].id };
  }

  /** The voucher's collection account as the core enterprise is told it: its maturity calendar. */
  async function collectionVan(voucherNumber: string): Promise<string> {
    const calendar = await call(companies.Core.maker, CALENDAR, { from: today });
    const entry = calendar.flatMap((date: Result) => date.vouchers).find((voucher: Result) => voucher.voucherNumber === voucherNumber);
    return entry.collectionAccount.virtualAccountNumber;
  }

  /** Settled payouts at the bank, by beneficiary account number. */
  async function bankPayouts(): Promise<Map<string, Decimal>> {
    const rows = await db.query<{ account: string; amount: string }>(`SELECT beneficiary_account_number AS account, amount::text FROM bank_simulator.payout WHERE status = 'SETTLED'`);
    const sums = new Map<string, Decimal>();
    for (const row of rows.rows) sums.set(row.account, (sums.get(row.account) ?? new Decimal(0)).plus(row.amount));
    return sums;
  }
  const paidOutSince = (before: Map<string, Decimal>, after: Map<string, Decimal>, holder: Holder) =>
    (after.get(companies[holder].accountNumber!) ?? new Decimal(0)).minus(before.get(companies[holder].accountNumber!) ?? new Decimal(0)).toFixed(2);

  const financingStatus = async (id: string) => (await db.prisma.financing.findUniqueOrThrow({ where: { id: rowId(id) } })).status;
  const settlementBalance = (holder: Holder | 'F1' | 'F2', purpose: 'SUPPLIER_SETTLEMENT' | 'FUNDER_FUNDING') => money.balance(partyAccountCode(companies[holder].partyId, purpose, 'CNY'));

  /** The core enterprise pays the voucher's collection account at the bank; the worker's loops book it, distribute it and wake the financings. */
  async function corePays(voucher: IssuedVoucher, amount: string): Promise<{ distributionId: string; result: DistributeVoucherPaymentResult }> {
    await money.pay(voucher.van, amount, NAMES.Core);
    const credit = await db.prisma.inboundCredit.findFirstOrThrow({ where: { virtualAccountNumber: voucher.van }, orderBy: { receivedAt: 'desc' } });
    const context = { prisma: db.prisma, temporal: env.client, taskQueue: api.taskQueue, logger: testLogger };
    expect(await startVoucherPayments(context)).toEqual({ started: 1 });
    const result = (await env.client.workflow.getHandle(workflowIds.voucherPayment(credit.id)).result()) as DistributeVoucherPaymentResult;
    // The batches recorded the financings' wake-ups; the worker's delivery loop sends them.
    await deliverWakeUps(context);
    // Each unfinanced holder's payout has a workflow of its own, which the bank settles at once.
    // It then watches for a return for days: waiting for its end would let the clock run on.
    const payoutIds = (['T1', 'A', 'C', 'E'] as const).map((holder) => holderPayoutId(result.distributionId, companies[holder].partyId));
    await expect.poll(async () => (await db.prisma.payout.findMany({ where: { id: { in: payoutIds } } })).map((payout) => payout.status), { timeout: 30_000 }).toEqual(['SETTLED', 'SETTLED', 'SETTLED', 'SETTLED']);
    return { distributionId: result.distributionId, result };
  }

  /** The memo accounts of a voucher: ISSUED and each part's CLAIM and ASSIGNED, by holder. */
  async function claimBalances(voucher: IssuedVoucher) {
    const row = await db.prisma.voucher.findUniqueOrThrow({ where: { id: rowId(voucher.id) } });
    const claims = {} as Record<Holder, { claim: string; assigned: string | null }>;
    for (const holder of HOLDERS) {
      const part = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(voucher.parts[holder]) } });
      const assigned = await db.prisma.ledgerAccount.findFirst({ where: { code: { startsWith: `voucher-part:${part.id}:ASSIGNED:` } } });
      claims[holder] = { claim: await balance(part.claimAccountId), assigned: assigned ? await balance(assigned.id) : null };
    }
    return { issued: await balance(row.issuedAccountId), claims };
  }

  /** The ledger balanced in both books, its invariants held, and the escrow account equal to the bank's. */
  async function expectBooksAgreeWithTheBank() {
    await money.expectLedgerWhole();
    const statement = await bank.fetchStatement(businessDateOf(await workflowNow()), 'CNY');
    expect(await money.balance(platformAccountCode('ESCROW_BANK', 'CNY'))).toBe(statement.closingBalance);
  }

  it('has the operator register the parties and the two programs, and each holder its payout account', async () => {
    companies.Core = await company('Core', ['CORE_ENTERPRISE']);
    for (const holder of HOLDERS) companies[holder] = await company(holder, ['SUPPLIER']);
    companies.F1 = await company('F1', ['FUNDER']);
    companies.F2 = await company('F2', ['FUNDER']);
    programs.F1 = await program('F1', F1_TERMS);
    programs.F2 = await program('F2', F2_TERMS);
    for (const [index, holder] of HOLDERS.entries()) {
      const accountNumber = `62220202001${String(index + 1).padStart(8, '0')}`;
      const proposed = await expectResult(companies[holder].maker, REGISTER_PAYOUT_ACCOUNT, { input: { accountName: NAMES[holder], accountNumber, bankName: '中国工商银行深圳分行' } }, 'PartyBankAccount');
      await expectResult(companies[holder].checker, APPROVE_PAYOUT_ACCOUNT, { id: proposed.id }, 'PartyBankAccount');
      companies[holder].accountNumber = accountNumber;
    }
  });

  it('lets exactly one of a transfer and an application for the same whole part win, the loser changing nothing', async () => {
    // Three rounds on fresh vouchers: both sent at once in either order, then the application a
    // moment ahead (it has more to do before it holds the part). Whichever holds the claim first wins.
    for (const { transferFirst, transferDelayMs } of [{ transferFirst: true, transferDelayMs: 0 }, { transferFirst: false, transferDelayMs: 0 }, { transferFirst: false, transferDelayMs: 300 }]) {
      const { rootPartId } = await issue('100000.00');
      const part = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(rootPartId) } });
      const before = { holds: await db.prisma.ledgerHold.count(), transfers: await db.prisma.voucherTransfer.count(), financings: await db.prisma.financing.count() };
      const proposeWhole = async () => {
        if (transferDelayMs > 0) await new Promise((resume) => setTimeout(resume, transferDelayMs));
        return call(companies.T1.maker, PROPOSE, {
          input: { fromPartId: rootPartId, recipientCreditCode: companies.A.creditCode, contractNumber: 'CG-RACE', currency: 'CNY', amount: '100000.00', invoices: [invoice('100000.00')], idempotencyKey: `race-t-${uniqueInvoiceNumber()}` },
        });
      };
      const applyWhole = () => call(companies.T1.maker, APPLY, { input: { partId: rootPartId, programId: programs.F1, amount: '80000.00', idempotencyKey: `race-f-${uniqueInvoiceNumber()}` } });
      const [transferred, applied] = transferFirst ? await Promise.all([proposeWhole(), applyWhole()]) : ((await Promise.all([applyWhole(), proposeWhole()])).reverse() as [Result, Result]);
      const transferWon = transferred.__typename === 'VoucherTransfer';
      const financingWon = applied.__typename === 'Financing';
      expect([transferWon, financingWon].filter(Boolean), JSON.stringify([transferred, applied])).toHaveLength(1);
      const loser = transferWon ? applied : transferred;
      // The application that loses finds the part's claim held (or the part already moving); the transfer, the part in a financing or its claim held.
      expect(loser.code, JSON.stringify(loser)).toMatch(transferWon ? /^(VOUCHER_PART_UNAVAILABLE|WRONG_STATE)$/ : /^(EXCEEDS_AVAILABLE_AMOUNT|WRONG_STATE)$/);
      // One hold on the part's claim, the winner's; one transfer or one financing (with its limit holds): the loser left no trace.
      expect(await db.prisma.ledgerHold.count({ where: { debitAccountId: part.claimAccountId, status: 'PENDING' } })).toBe(1);
      const financing = financingWon ? await db.prisma.financing.findUniqueOrThrow({ where: { id: rowId(applied.id) } }) : null;
      expect(await db.prisma.ledgerHold.count()).toBe(before.holds + 1 + (financing?.limitHoldIds.length ?? 0));
      expect(await db.prisma.voucherTransfer.count()).toBe(before.transfers + (transferWon ? 1 : 0));
      expect(await db.prisma.financing.count()).toBe(before.financings + (financingWon ? 1 : 0));
      expect((await getBalance(db.prisma, part.claimAccountId)).available.toFixed(2)).toBe('0.00');
      expect((await call(companies.T1.maker, PART, { id: rootPartId })).status).toBe(financingWon ? 'FINANCING' : 'ACTIVE');
    }
  });

  it('issues two vouchers of 10,000,000.00 and splits each down three tiers, every step approved and accepted', async () => {
    for (let index = 0; index < 2; index += 1) {
      const issued = await issue('10000000.00');
      const parts = { T1: issued.rootPartId } as Record<Holder, string>;
      for (const [from, to, amount] of TRANSFERS) parts[to] = await transfer(from, parts[from], to, amount);
      vouchers.push({ id: issued.id, voucherNumber: issued.voucherNumber, van: await collectionVan(issued.voucherNumber), parts });
      const seen = await call(companies.Core.maker, VOUCHER, { id: issued.id });
      expect(seen.status).toBe('ACTIVE');
      expect(seen.parts.map((part: Result) => [part.partNumber, part.holder.legalName, part.heldAmount.amount, part.holding.amount])).toEqual(
        HOLDERS.map((holder, position) => [`${issued.voucherNumber}-000${position + 1}`, NAMES[holder], HELD[holder], HELD[holder]]),
      );
    }
  });

  it("finances B's part with F1 (open) and D's with F2 (silent), priced as the page's table, disbursed to the holders' banks", async () => {
    // The funders put the money they advance into their funding accounts first.
    const advances = { F1: '3940000.00', F2: '2160000.00' };
    for (const funder of ['F1', 'F2'] as const) {
      const funding = (await call(companies[funder].maker, TOP_UP)).find((instruction: Result) => instruction.purpose === 'FUNDER_FUNDING');
      await money.pay(funding.virtualAccountNumber, advances[funder], NAMES[funder]);
    }
    const paidOutBefore = await bankPayouts();
    for (const voucher of vouchers) {
      const b = await expectResult(companies.B.maker, APPLY, { input: { partId: voucher.parts.B, programId: programs.F1, amount: '2000000.00', idempotencyKey: `b-${uniqueInvoiceNumber()}` } }, 'Financing', 'PENDING_ACKNOWLEDGEMENT');
      await expectResult(companies.Core.maker, DECIDE_FINANCING('acknowledgeAssignment'), { id: b.id }, 'Financing', 'PENDING_APPROVAL');
      // Silent: the core enterprise is not asked.
      const d = await expectResult(companies.D.maker, APPLY, { input: { partId: voucher.parts.D, programId: programs.F2, amount: '1080000.00', idempotencyKey: `d-${uniqueInvoiceNumber()}` } }, 'Financing', 'PENDING_APPROVAL');
      for (const [funder, financing] of [['F1', b], ['F2', d]] as const) {
        await expectResult(companies[funder].maker, DECIDE_FINANCING('approveFinancing'), { id: financing.id }, 'Financing', 'PENDING_CONFIRMATION');
        await expectResult(companies[funder].checker, DECIDE_FINANCING('confirmApproval'), { id: financing.id }, 'Financing');
      }
      financings.push({ B: b.id, D: d.id });
    }
    // The workflows pay out through the bank, which they ask about after a while: let their clock run.
    const all = financings.flatMap((pair) => [pair.B, pair.D]);
    for (let step = 0; (await Promise.all(all.map(financingStatus))).some((status) => status !== 'DISBURSED'); step += 1) {
      if (step === 40) throw new Error(`not all disbursed: ${JSON.stringify(await Promise.all(all.map(financingStatus)))}`);
      await env.sleep(60_000);
    }
    for (const pair of financings) {
      const b = await call(companies.B.maker, FINANCING, { id: pair.B });
      expect([b.valueDate, b.tenorDays, b.principal.amount, b.interest.amount, b.fees.amount, b.netDisbursement.amount]).toEqual([today, 90, '2000000.00', '30000.00', '2000.00', '1968000.00']);
      const d = await call(companies.D.maker, FINANCING, { id: pair.D });
      expect([d.valueDate, d.tenorDays, d.principal.amount, d.interest.amount, d.fees.amount, d.netDisbursement.amount]).toEqual([today, 90, '1080000.00', '14646.58', '500.00', '1079500.00']);
    }
    const paidOut = await bankPayouts();
    expect(paidOutSince(paidOutBefore, paidOut, 'B')).toBe('3936000.00');
    expect(paidOutSince(paidOutBefore, paidOut, 'D')).toBe('2159000.00');
    // What the funders advanced has left their funding accounts: F1 1,970,000.00 and F2 1,080,000.00 a financing.
    expect([await settlementBalance('F1', 'FUNDER_FUNDING'), await settlementBalance('F2', 'FUNDER_FUNDING')]).toEqual(['0.00', '0.00']);
    for (const voucher of vouchers) {
      // The core enterprise sees the open assignment of B's part (its claim is F1's now), never
      // the silent one of D's: neither in its state nor in what it holds.
      const seen = await call(companies.Core.maker, VOUCHER, { id: voucher.id });
      expect(seen.parts.map((part: Result) => [part.holder.legalName, part.status, part.holding.amount])).toEqual([
        [NAMES.T1, 'ACTIVE', HELD.T1],
        [NAMES.A, 'ACTIVE', HELD.A],
        [NAMES.B, 'FINANCED', '0.00'],
        [NAMES.C, 'ACTIVE', HELD.C],
        [NAMES.D, 'ACTIVE', HELD.D],
        [NAMES.E, 'ACTIVE', HELD.E],
      ]);
      expect(JSON.stringify(seen)).not.toContain(NAMES.F2);
      // A transferor sees the parts its transfers created without their financing; a holder its own with it.
      const byT1 = await call(companies.T1.maker, VOUCHER, { id: voucher.id });
      expect(byT1.parts.map((part: Result) => [part.holder.legalName, part.status, part.holding.amount])).toEqual([
        [NAMES.T1, 'ACTIVE', HELD.T1],
        [NAMES.A, 'ACTIVE', HELD.A],
        [NAMES.B, 'ACTIVE', HELD.B],
        [NAMES.C, 'ACTIVE', HELD.C],
      ]);
      const byC = await call(companies.C.maker, VOUCHER, { id: voucher.id });
      expect(byC.parts.map((part: Result) => [part.holder.legalName, part.status, part.holding.amount])).toEqual([
        [NAMES.T1, 'ACTIVE', HELD.T1],
        [NAMES.C, 'ACTIVE', HELD.C],
        [NAMES.D, 'ACTIVE', HELD.D],
        [NAMES.E, 'ACTIVE', HELD.E],
      ]);
      expect((await call(companies.D.maker, PART, { id: voucher.parts.D })).status).toBe('FINANCED');
    }
    // A part is financed on a receivable made for it: under silent assignment its very existence
    // would tell the core enterprise of the application, so it owes none it can see but B's.
    const owed = await call(companies.Core.maker, RECEIVABLES);
    expect(owed.edges.map((edge: Result) => edge.node.supplier.legalName)).not.toContain(NAMES.D);
    expect(owed.edges.filter((edge: Result) => edge.node.supplier.legalName === NAMES.B)).toHaveLength(2);
    await expectBooksAgreeWithTheBank();
  });

  it('pays every holder and funder to the cent when the core enterprise pays in full on the due date', async () => {
    const [voucher] = vouchers as [IssuedVoucher];
    const pair = financings[0]!;
    await money.sleepUntil(dueDate);
    const before = { bank: await bankPayouts(), B: await settlementBalance('B', 'SUPPLIER_SETTLEMENT'), D: await settlementBalance('D', 'SUPPLIER_SETTLEMENT'), F1: await settlementBalance('F1', 'FUNDER_FUNDING'), F2: await settlementBalance('F2', 'FUNDER_FUNDING') };
    const { result } = await corePays(voucher, '10000000.00');
    expect(businessDateOf(await workflowNow())).toBe(dueDate);
    expect(result).toMatchObject({ voucherStatus: 'PAID', payouts: 4, keptInSettlement: 0 });
    // Polled on the wall clock: waiting for a workflow's end would let the workflows' clock run on.
    for (const id of [pair.B, pair.D]) await expect.poll(() => financingStatus(id), { timeout: 30_000 }).toBe('SETTLED');

    const after = await bankPayouts();
    expect(Object.fromEntries((['T1', 'A', 'C', 'E'] as const).map((holder) => [holder, paidOutSince(before.bank, after, holder)]))).toEqual({ T1: '1000000.00', A: '3000000.00', C: '1500000.00', E: '800000.00' });
    const b = await call(companies.B.maker, FINANCING, { id: pair.B });
    const d = await call(companies.D.maker, FINANCING, { id: pair.D });
    expect([b.status, b.repaid.principal.amount, b.repaid.interest.amount, b.surplusReturned.amount]).toEqual(['SETTLED', '2000000.00', '0.00', '500000.00']);
    expect([d.status, d.repaid.principal.amount, d.repaid.interest.amount, d.surplusReturned.amount]).toEqual(['SETTLED', '1080000.00', '14646.58', '105353.42']);
    const gained = async (account: Holder | 'F1' | 'F2', purpose: 'SUPPLIER_SETTLEMENT' | 'FUNDER_FUNDING', was: string) => new Decimal(await settlementBalance(account, purpose)).minus(was).toFixed(2);
    expect(await gained('F1', 'FUNDER_FUNDING', before.F1)).toBe('2000000.00');
    expect(await gained('F2', 'FUNDER_FUNDING', before.F2)).toBe('1094646.58');
    expect(await gained('B', 'SUPPLIER_SETTLEMENT', before.B)).toBe('500000.00');
    expect(await gained('D', 'SUPPLIER_SETTLEMENT', before.D)).toBe('105353.42');

    const claims = await claimBalances(voucher);
    expect(claims.issued).toBe('0.00');
    for (const holder of HOLDERS) expect(claims.claims[holder], holder).toEqual({ claim: '0.00', assigned: holder === 'B' || holder === 'D' ? '0.00' : null });
    expect((await call(companies.T1.maker, VOUCHER, { id: voucher.id })).status).toBe('PAID');
    await expectBooksAgreeWithTheBank();
  });

  it('pays 90% of every part when the core enterprise pays short after the due date, leaves each shortfall on its claim and D\'s financing overdue, and tells the core nobody', async () => {
    const [, voucher] = vouchers as [IssuedVoucher, IssuedVoucher];
    const pair = financings[1]!;
    await money.sleepUntil(addDays(dueDate, 1));
    const before = { bank: await bankPayouts(), B: await settlementBalance('B', 'SUPPLIER_SETTLEMENT'), D: await settlementBalance('D', 'SUPPLIER_SETTLEMENT'), F1: await settlementBalance('F1', 'FUNDER_FUNDING'), F2: await settlementBalance('F2', 'FUNDER_FUNDING') };
    const { result } = await corePays(voucher, '9000000.00');
    expect(result).toMatchObject({ voucherStatus: 'DEFAULTED', payouts: 4, keptInSettlement: 0 });
    await expect.poll(() => financingStatus(pair.B), { timeout: 30_000 }).toBe('SETTLED');
    expect(businessDateOf(await workflowNow())).toBe(addDays(dueDate, 1));

    const after = await bankPayouts();
    expect(Object.fromEntries((['T1', 'A', 'C', 'E'] as const).map((holder) => [holder, paidOutSince(before.bank, after, holder)]))).toEqual({ T1: '900000.00', A: '2700000.00', C: '1350000.00', E: '720000.00' });
    const gained = async (account: Holder | 'F1' | 'F2', purpose: 'SUPPLIER_SETTLEMENT' | 'FUNDER_FUNDING', was: string) => new Decimal(await settlementBalance(account, purpose)).minus(was).toFixed(2);
    const b = await call(companies.B.maker, FINANCING, { id: pair.B });
    expect([b.status, b.repaid.principal.amount, b.repaid.interest.amount, b.surplusReturned.amount]).toEqual(['SETTLED', '2000000.00', '0.00', '250000.00']);
    expect(await gained('F1', 'FUNDER_FUNDING', before.F1)).toBe('2000000.00');
    expect(await gained('B', 'SUPPLIER_SETTLEMENT', before.B)).toBe('250000.00');
    // D's financing: interest first, then principal, 14,646.58 of principal left and nothing for D.
    await expect.poll(async () => (await call(companies.D.maker, FINANCING, { id: pair.D })).repaid.principal.amount, { timeout: 20_000 }).toBe('1065353.42');
    const d = await call(companies.D.maker, FINANCING, { id: pair.D });
    expect([d.status, d.repaid.interest.amount, d.outstanding.principal.amount, d.surplusReturned.amount]).toEqual(['DISBURSED', '14646.58', '14646.58', '0.00']);
    expect(await gained('F2', 'FUNDER_FUNDING', before.F2)).toBe('1080000.00');
    expect(await gained('D', 'SUPPLIER_SETTLEMENT', before.D)).toBe('0.00');

    // What is unpaid stays on the claims: the parts' and ISSUED's, 1,000,000.00 in all.
    const claims = await claimBalances(voucher);
    expect(claims.issued).toBe('1000000.00');
    expect(Object.fromEntries(HOLDERS.map((holder) => [holder, claims.claims[holder]]))).toEqual({
      T1: { claim: '100000.00', assigned: null },
      A: { claim: '300000.00', assigned: null },
      B: { claim: '0.00', assigned: '250000.00' },
      C: { claim: '150000.00', assigned: null },
      D: { claim: '0.00', assigned: '120000.00' },
      E: { claim: '80000.00', assigned: null },
    });
    // Each unfinanced holder sees its shortfall as what its part still holds, and the default.
    for (const holder of ['T1', 'A', 'C', 'E'] as const) {
      const part = await call(companies[holder].maker, PART, { id: voucher.parts[holder] });
      expect([part.holding.amount, part.voucher.status], holder).toEqual([new Decimal(HELD[holder]).times('0.1').toFixed(2), 'DEFAULTED']);
    }

    // The core enterprise: its voucher defaulted, D's part shown as an ordinary holding, no funder named.
    const seen = await call(companies.Core.maker, VOUCHER, { id: voucher.id });
    expect(seen.status).toBe('DEFAULTED');
    expect(seen.parts.map((part: Result) => [part.status, part.holding.amount])).toEqual([
      ['ACTIVE', '100000.00'],
      ['ACTIVE', '300000.00'],
      ['FINANCED', '0.00'],
      ['ACTIVE', '150000.00'],
      ['ACTIVE', '120000.00'],
      ['ACTIVE', '80000.00'],
    ]);
    expect(JSON.stringify(seen)).not.toContain(NAMES.F2);
    const calendar = await api.request(companies.Core.maker.token, CALENDAR, { from: today });
    expect(calendar.errors).toBeUndefined();
    const dates = (calendar.data as Result).voucherMaturityCalendar;
    const due = dates.find((date: Result) => date.dueDate === dueDate);
    expect(due.vouchers.find((entry: Result) => entry.voucherNumber === voucher.voucherNumber)).toMatchObject({ status: 'DEFAULTED', amount: { amount: '10000000.00' }, paid: { amount: '9000000.00' }, collectionAccount: { virtualAccountNumber: voucher.van } });
    const body = JSON.stringify(calendar);
    for (const name of [NAMES.T1, NAMES.A, NAMES.B, NAMES.C, NAMES.D, NAMES.E, NAMES.F1, NAMES.F2]) expect(body).not.toContain(name);

    // After the 3 grace days D's financing is overdue, penalty running on the 14,646.58 left.
    await money.sleepUntil(addDays(dueDate, 4));
    const overdue = await call(companies.D.maker, FINANCING, { id: pair.D });
    expect([overdue.status, overdue.overdueSince]).toEqual(['OVERDUE', addDays(dueDate, 4)]);
    // Penalty for every day from the day after the due date, on the principal outstanding when
    // the day began: the payment came a day late, so that day is charged on all of it
    // (1,080,000.00 × 18% / 365 = 532.60), and each day after on what it left, 14,646.58 (7.22).
    expect(overdue.penaltyDays).toBe(4);
    expect(overdue.penaltyAccrued.amount).toBe(new Decimal('532.60').plus(new Decimal('7.22').times(3)).toFixed(2));
    await expectBooksAgreeWithTheBank();
  });
});
