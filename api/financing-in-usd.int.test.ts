import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { addDays, businessDateOf } from '../domain/business-date';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { TEST_FINANCING_WINDOWS } from '../test/support/financings';
import { rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor, uniqueCreditCode, type TestActor } from '../test/support/parties';
import { extractPdfText } from '../test/support/pdf';
import { uniqueInvoiceNumber } from '../test/support/receivables';
import { startTimeSkipping } from '../test/support/time-skipping';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';

// One financing in US dollars, end to end over real HTTP with the real workflows, the way the
// README walks one in CNY. The operator registers the parties and proposes a USD program (80%
// advance, 6% a year ACT/360 up front, a 0.1% fee), approved by a second operator and the
// funder; the supplier is enrolled the same way and registers its payout account. A receivable
// of USD 100,000.00 is confirmed in full; 80,000.00 financed for 90 days costs 1,200.00 of
// interest and 80.00 of fee, so the funder advances 78,800.00 and the supplier is paid 78,720.00.
// The funder tops up USD 100,000.00 through its USD virtual account; the core enterprise pays
// 90,000.00 into the collection account: 80,000.00 repays the funder (whose account then holds
// 101,200.00) and 10,000.00 is the supplier's surplus, which it may withdraw. Yuan paid to a
// dollar account are parked as a currency mismatch and move nothing. Every figure, document and
// notice of a dollar financing must say USD with two decimals, never CNY, and the dollar books
// must balance.

type Result = Record<string, any>;

const ERRORS = `... on Error { __typename code message } ... on ValidationError { issues { path message } }`;
const M = `{ amount currency }`;
const CREATE_PARTY = `mutation ($input: CreatePartyInput!) { createParty(input: $input) { __typename ... on Party { id } ${ERRORS} } }`;
const CREATE_PROGRAM = `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { __typename ... on ProgramChange { id status } ${ERRORS} } }`;
const ENROLL = `mutation ($id: ID!, $code: String!) { enrollSupplier(programId: $id, supplierCreditCode: $code) { __typename ... on ProgramChange { id status } ${ERRORS} } }`;
const APPROVE_CHANGE = `mutation ($id: ID!) { approveProgramChange(id: $id) { __typename ... on ProgramChange { id status program { id } } ${ERRORS} } }`;
const REGISTER_PAYOUT_ACCOUNT = `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) { __typename ... on PartyBankAccount { id status } ${ERRORS} } }`;
const APPROVE_PAYOUT_ACCOUNT = `mutation ($id: ID!) { approvePayoutAccount(id: $id) { __typename ... on PartyBankAccount { id status } ${ERRORS} } }`;
const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Receivable { id status faceAmount ${M} } ${ERRORS} } }`;
const CONFIRM = `mutation ($id: ID!) { confirmReceivable(id: $id, confirmedAmount: "100000.00") { __typename ... on Receivable { status confirmedAmount ${M} } ${ERRORS} } }`;
const QUOTE = `query ($r: ID!, $p: ID!, $amount: String!) { quoteFinancing(receivableId: $r, programId: $p, amount: $amount) { __typename
  ... on FinancingQuote { tenorDays principal ${M} interest ${M} fees ${M} netDisbursement ${M} repaymentAtMaturity ${M} } ${ERRORS} } }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { __typename ... on Financing { id status collectionAccount { virtualAccountNumber } } ${ERRORS} } }`;
const DECIDE = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { __typename ... on Financing { id status } ${ERRORS} } }`;
const TOP_UP = `{ topUpInstructions { purpose virtualAccountNumber currency } }`;
const SIMULATE = `mutation ($van: String!, $amount: String!, $currency: String) { simulateInboundCredit(virtualAccountNumber: $van, amount: $amount, currency: $currency) { __typename
  ... on InboundCredit { outcome amount ${M} } ${ERRORS} } }`;
const FINANCING = `query ($id: ID!) { financing(id: $id) { status principal ${M} interest ${M} fees ${M} netDisbursement ${M} disbursed ${M} repaymentAtMaturity ${M}
  outstanding { principal ${M} interest ${M} fees ${M} penalty ${M} total ${M} } repaid { principal ${M} interest ${M} fees ${M} penalty ${M} total ${M} }
  penaltyAccrued ${M} surplusReturned ${M} overpaymentHeld ${M} quoted { interest ${M} fees ${M} netDisbursement ${M} }
  receivable { status faceAmount ${M} confirmedAmount ${M} documents { kind url } }
  payouts { edges { node { status amount ${M} } } }
  repayments { edges { node { collected ${M} principal ${M} surplus ${M} outstandingAfter ${M} } } }
  documents { kind url }
  ledgerTransactions(first: 100) { edges { node { code entries { amount ${M} } } } } } }`;
const NOTIFICATIONS = `{ notifications(first: 100) { edges { node { kind body } } } }`;
const WITHDRAWABLE = `{ withdrawableBalance(currency: "USD") { withdrawable ${M} } }`;
const EXCEPTIONS = `{ inboundExceptions(first: 20) { edges { node { reason status amount ${M} virtualAccountNumber } } } }`;

/** Every { amount, currency } in a result. */
function moneyIn(value: unknown, out: Array<{ amount: string; currency: string }> = []) {
  if (Array.isArray(value)) for (const item of value) moneyIn(item, out);
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('amount' in record && 'currency' in record) out.push({ amount: String(record.amount), currency: String(record.currency) });
    else for (const item of Object.values(record)) moneyIn(item, out);
  }
  return out;
}

describe('a financing in USD over the API', () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let api: TestApi;
  let bank: BankSimulator;
  let worker: TestWorker;
  let running: Promise<void>;
  let operator: TestActor;
  let operatorChecker: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    env = await startTimeSkipping();
    bank = new BankSimulator({ pool: db.url, clock: async () => new Date(await env.currentTimeMs()) });
    api = await startTestApi(db.prisma, {
      temporalClient: env.client,
      financingSettings: TEST_FINANCING_WINDOWS,
      devBank: { simulator: bank, processInbound: () => bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger }) },
    });
    worker = await createTestWorker(db.prisma, { connection: env.nativeConnection, namespace: env.namespace, taskQueue: api.taskQueue, bank });
    running = worker.worker.run();
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN', 'MAKER'], legalName: '供应链金融平台运营有限公司' });
    operatorChecker = await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] });
  }, 120_000);

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await bank?.close();
    await env?.teardown();
    await db?.drop();
  });

  async function expectResult(by: TestActor, query: string, variables: Record<string, unknown>, typename: string, status?: string): Promise<Result> {
    const result = await api.call(by.token, query, variables);
    expect(result, JSON.stringify(result)).toMatchObject(status ? { __typename: typename, status } : { __typename: typename });
    return result;
  }

  async function company(legalName: string, roles: string[]) {
    const creditCode = uniqueCreditCode();
    const partyId = rowId((await expectResult(operator, CREATE_PARTY, { input: { creditCode, legalName, roles } }, 'Party')).id);
    return { partyId, creditCode, legalName, maker: await createActor(db.prisma, { partyId, userRoles: ['ADMIN', 'MAKER'] }), checker: await createActor(db.prisma, { partyId, userRoles: ['ADMIN', 'CHECKER'] }) };
  }

  /** A program change approved by a second operator and the funder. */
  async function approved(changeId: string, funder: TestActor): Promise<Result> {
    await expectResult(operatorChecker, APPROVE_CHANGE, { id: changeId }, 'ProgramChange');
    return expectResult(funder, APPROVE_CHANGE, { id: changeId }, 'ProgramChange', 'APPLIED');
  }

  async function reached(financingId: string, status: string) {
    for (let step = 0; (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status !== status; step += 1) {
      if (step === 40) throw new Error(`the financing did not reach ${status}`);
      await env.sleep(60_000);
    }
  }

  it('funds, pays out, collects and settles in USD, and says USD everywhere', async () => {
    const today = businessDateOf(new Date());
    const funder = await company('Pacific Receivables Finance Ltd', ['FUNDER']);
    const core = await company('Harbour Components Group Ltd', ['CORE_ENTERPRISE']);
    const supplier = await company('Delta Precision Parts Ltd', ['SUPPLIER']);
    const terms = { advanceRate: '0.8', annualRate: '0.06', interestMode: 'UPFRONT', dayCount: 'ACT_360', feeRate: '0.001', tenorDaysMax: 180, graceDays: 3, penaltyRate: '0.18', recourse: false, recourseAfterDays: null, assignmentMode: 'OPEN', programLimit: '1000000.00', supplierLimit: '500000.00', obligorLimit: '1000000.00' };
    const program = async (currency: string) => {
      const proposed = await expectResult(operator, CREATE_PROGRAM, { input: { name: `${currency} receivables`, funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency, terms } }, 'ProgramChange', 'PROPOSED');
      const programId = (await approved(proposed.id, funder.maker)).program.id as string;
      await approved((await expectResult(operator, ENROLL, { id: programId, code: supplier.creditCode }, 'ProgramChange', 'PROPOSED')).id, funder.maker);
      return programId;
    };
    const programId = await program('USD');
    const account = await expectResult(supplier.maker, REGISTER_PAYOUT_ACCOUNT, { input: { accountName: supplier.legalName, accountNumber: '6222020200112233445', bankName: 'Bank of America' } }, 'PartyBankAccount');
    await expectResult(supplier.checker, APPROVE_PAYOUT_ACCOUNT, { id: account.id }, 'PartyBankAccount');

    const receivable = (faceAmount: string, first: string, second: string, key: string) => ({
      input: {
        obligorCreditCode: core.creditCode, contractNumber: `PO-${key}`, currency: 'USD', faceAmount, dueDate: addDays(today, 90), idempotencyKey: key,
        invoices: [first, second].map((amount, index) => ({ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount, issueDate: addDays(today, -20 + index) })),
      },
    });
    // A cent has two decimals in USD: a third is refused, nothing registered.
    expect(await api.call(supplier.maker.token, REGISTER, receivable('100000.005', '60000.00', '40000.005', 'usd-3dp'))).toMatchObject({ __typename: 'ValidationError' });
    const registered = await expectResult(supplier.maker, REGISTER, receivable('100000.00', '60000.00', '40000.00', 'usd-1'), 'Receivable', 'REGISTERED');
    expect(registered.faceAmount).toEqual({ amount: '100000.00', currency: 'USD' });
    await expectResult(core.maker, CONFIRM, { id: registered.id }, 'Receivable', 'CONFIRMED');

    expect(await api.call(supplier.maker.token, QUOTE, { r: registered.id, p: programId, amount: '80000.00' })).toEqual({
      __typename: 'FinancingQuote', tenorDays: 90,
      principal: { amount: '80000.00', currency: 'USD' }, interest: { amount: '1200.00', currency: 'USD' }, fees: { amount: '80.00', currency: 'USD' },
      netDisbursement: { amount: '78720.00', currency: 'USD' }, repaymentAtMaturity: { amount: '80000.00', currency: 'USD' },
    });
    expect(await api.call(supplier.maker.token, APPLY, { input: { receivableId: registered.id, programId, amount: '80000.001', idempotencyKey: 'apply-3dp' } })).toMatchObject({ __typename: 'ValidationError' });
    const applied = await expectResult(supplier.maker, APPLY, { input: { receivableId: registered.id, programId, amount: '80000.00', idempotencyKey: 'apply-usd' } }, 'Financing');
    await expectResult(core.maker, DECIDE('acknowledgeAssignment'), { id: applied.id }, 'Financing');
    await expectResult(funder.maker, DECIDE('approveFinancing'), { id: applied.id }, 'Financing');
    await expectResult(funder.checker, DECIDE('confirmApproval'), { id: applied.id }, 'Financing');
    const financingId = rowId(applied.id);
    await reached(financingId, 'FUNDING_PENDING');

    // The funder is told where to send dollars; yuan sent there are parked and fund nothing.
    const topUps = (await api.call(funder.maker.token, TOP_UP)) as unknown as Result[];
    const funding = topUps.find((row) => row.purpose === 'FUNDER_FUNDING' && row.currency === 'USD');
    expect(funding, JSON.stringify(topUps)).toBeDefined();
    expect(await api.call(funder.maker.token, SIMULATE, { van: funding!.virtualAccountNumber, amount: '10.005', currency: 'USD' })).toMatchObject({ __typename: 'ValidationError' });
    expect(await api.call(funder.maker.token, SIMULATE, { van: funding!.virtualAccountNumber, amount: '100000.00', currency: 'CNY' })).toMatchObject({ outcome: 'SUSPENSE' });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status).toBe('FUNDING_PENDING');
    expect(await api.call(funder.maker.token, SIMULATE, { van: funding!.virtualAccountNumber, amount: '100000.00', currency: 'USD' })).toMatchObject({ outcome: 'MATCHED', amount: { amount: '100000.00', currency: 'USD' } });
    await reached(financingId, 'DISBURSED');

    // Yuan paid to the dollar collection account repay nothing; the dollars do, the surplus is the supplier's.
    const collection = applied.collectionAccount.virtualAccountNumber as string;
    expect(await api.call(core.maker.token, SIMULATE, { van: collection, amount: '80000.00', currency: 'CNY' })).toMatchObject({ outcome: 'SUSPENSE' });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status).toBe('DISBURSED');
    expect(await api.call(core.maker.token, SIMULATE, { van: collection, amount: '90000.00', currency: 'USD' })).toMatchObject({ outcome: 'MATCHED' });
    await reached(financingId, 'SETTLED');
    // Both yuan credits wait for operators (the first found the platform without yuan books yet).
    expect(((await api.call(operator.token, EXCEPTIONS)).edges as Result[]).map((edge) => [edge.node.reason, edge.node.status, edge.node.amount.amount, edge.node.amount.currency])).toEqual([
      ['NO_ACCOUNTS_IN_CURRENCY', 'OPEN', '100000.00', 'CNY'],
      ['CURRENCY_MISMATCH', 'OPEN', '80000.00', 'CNY'],
    ]);

    for (const party of [supplier, funder, core]) {
      const view = await api.call(party.maker.token, FINANCING, { id: applied.id });
      expect(moneyIn(view).filter((money) => money.currency !== 'USD' || !/^\d+\.\d{2}$/.test(money.amount)), party.legalName).toEqual([]);
      if (party !== supplier) continue;
      expect(view).toMatchObject({
        status: 'SETTLED', disbursed: { amount: '78800.00' }, netDisbursement: { amount: '78720.00' }, interest: { amount: '1200.00' }, fees: { amount: '80.00' },
        outstanding: { total: { amount: '0.00' } }, repaid: { principal: { amount: '80000.00' } }, surplusReturned: { amount: '10000.00' },
        receivable: { status: 'SETTLED' }, payouts: { edges: [{ node: { status: 'SETTLED', amount: { amount: '78720.00', currency: 'USD' } } }] },
      });
      // Every document of the financing and its receivable speaks dollars.
      const documents = [...view.documents, ...view.receivable.documents] as Result[];
      expect(documents.map((document) => document.kind).sort()).toEqual(['ASSIGNMENT_ACKNOWLEDGEMENT', 'CONFIRMATION_LETTER', 'DISBURSEMENT_ADVICE', 'FINANCING_TERMS', 'NOTICE_OF_ASSIGNMENT', 'REGISTRATION_CERTIFICATE', 'SETTLEMENT_STATEMENT']);
      for (const document of documents) {
        const response = await fetch(new URL(document.url, api.url), { headers: { authorization: `Bearer ${supplier.maker.token}` } });
        const text = (await extractPdfText(new Uint8Array(await response.arrayBuffer()))).join('\n');
        expect(text, document.kind).toContain('USD 100,000.00');
        expect(text, document.kind).not.toMatch(/CNY|人民币|RMB|¥|元/);
      }
    }
    const notices = ((await api.call(supplier.maker.token, NOTIFICATIONS)).edges as Result[]).map((edge) => edge.node.body as string);
    expect(notices.filter((body) => body.includes('USD 80,000.00')).length).toBeGreaterThanOrEqual(3);
    expect(notices.filter((body) => /CNY|人民币/.test(body))).toEqual([]);
    expect(await api.call(supplier.maker.token, WITHDRAWABLE)).toEqual({ withdrawable: { amount: '10000.00', currency: 'USD' } });
    const fundingBalance = await db.prisma.ledgerAccount.findFirstOrThrow({ where: { virtualAccountNumber: funding!.virtualAccountNumber } });
    expect((await getBalance(db.prisma, fundingBalance.id)).posted.toFixed(2)).toBe('101200.00');
    for (const book of ['MONEY', 'MEMO'] as const) expect((await trialBalance(db.prisma, 'USD', book)).balanced).toBe(true);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);

    // A dollar receivable cannot be financed under a yuan program.
    const cnyProgramId = await program('CNY');
    const dollars = await expectResult(supplier.maker, REGISTER, receivable('100000.00', '60000.00', '40000.00', 'usd-2'), 'Receivable', 'REGISTERED');
    await expectResult(core.maker, CONFIRM, { id: dollars.id }, 'Receivable', 'CONFIRMED');
    expect(await api.call(supplier.maker.token, APPLY, { input: { receivableId: dollars.id, programId: cnyProgramId, amount: '80000.00', idempotencyKey: 'usd-under-cny' } })).toMatchObject({ __typename: 'ValidationError', code: 'CURRENCY_MISMATCH' });
  }, 600_000);
});
