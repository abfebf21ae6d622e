import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../bank/simulator/bank-simulator';
import { ensurePlatformAccounts, ESCROW_BANK_NAME, openPartyAccounts, partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { currentPayoutAccount, PAYOUT_ACCOUNT_COOLING_OFF_DEFAULT_MS } from '../prisma/stores/payout-account-store';
import { enrollSupplier } from '../prisma/stores/program-store';
import { actorOf } from '../test/support/receivables';
import { escalateOverdueReceipts, OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS } from '../prisma/stores/offline-receipt-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { trialBalance } from '../prisma/stores/ledger/trial-balance';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId, rowId } from '../test/support/global-ids';
import { applyDirectly, createFinancingParties, disburseDirectly, type FinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import { createActor, type TestActor } from '../test/support/parties';
import { Decimal } from '../domain/money';
import { bookInboundCredits } from '../use-cases/book-inbound-credits';

// The money side of the API over real HTTP (schema/types/servicing.ts): payout accounts, top-up
// instructions, the development bank tools, offline repayments with four eyes, and who may see
// or retry what. No workflow runs: the disbursed financing is built by calling the stores in
// the order the workflow would, so each refusal can be checked to have changed nothing.

type Result = Record<string, any>;

const ERROR_FIELDS = `... on Error { code message } ... on ValidationError { issues { path message } }`;
const STATE_FIELDS = `${ERROR_FIELDS} ... on WrongStateError { currentState }`;
const ACCOUNT_FIELDS = `__typename ... on PartyBankAccount { id accountName accountNumber bankName status effectiveFrom decidedAt } ${ERROR_FIELDS}`;
const APPROVE_ACCOUNT = `mutation ($id: ID!) { approvePayoutAccount(id: $id) { ${ACCOUNT_FIELDS} } }`;
const PAYOUT_CHANGES = `{ payoutAccountChanges { id status effectiveFrom } }`;
const REGISTER = `mutation ($input: BankAccountInput!) { registerPayoutAccount(input: $input) { ${ACCOUNT_FIELDS} } }`;
const PAYOUT_ACCOUNT = `{ payoutAccount { id accountName accountNumber bankName } }`;
const TOP_UP = `{ topUpInstructions { purpose bankName accountName virtualAccountNumber currency } }`;
const CREDIT_FIELDS = `__typename ... on InboundCredit { id bankReference virtualAccountNumber amount { amount currency } payerName outcome } ${ERROR_FIELDS}`;
const SIMULATE = `mutation ($van: String!, $amount: String!) { simulateInboundCredit(virtualAccountNumber: $van, amount: $amount, payerName: "前海恒信商业保理有限公司") { ${CREDIT_FIELDS} } }`;
const SCRIPT = `mutation ($behaviour: SimulatedPayoutBehaviour!, $account: String, $times: Int, $delayMinutes: Int) {
  scriptBankPayouts(behaviour: $behaviour, beneficiaryAccountNumber: $account, times: $times, delayMinutes: $delayMinutes) { __typename ... on BankScript { behaviour times } ${ERROR_FIELDS} } }`;
const ACCOUNTS = `query ($purpose: LedgerAccountPurpose) { accounts(filter: { purpose: $purpose }) {
  edges { node { virtualAccountNumber balance { posted { amount } available { amount } } } } } }`;
const OFFLINE_FIELDS = `__typename ... on OfflineRepayment { id status bankReference note amount { amount currency } financing { id } decidedAt matchedCredit { bankReference } } ${STATE_FIELDS}`;
const RECORD_OFFLINE = `mutation ($input: OfflineRepaymentInput!) { recordOfflineRepayment(input: $input) { ${OFFLINE_FIELDS} } }`;
const APPROVE_OFFLINE = `mutation ($id: ID!) { approveOfflineRepayment(id: $id) { ${OFFLINE_FIELDS} } }`;
const REJECT_OFFLINE = `mutation ($id: ID!) { rejectOfflineRepayment(id: $id) { ${OFFLINE_FIELDS} } }`;
// A lookup answers the financing, or null when it is not the caller's to see. Its lists that grow are
// connections; one page of 100 holds everything a financing of this file has.
const FINANCING = `query ($id: ID!) { financing(id: $id) { __typename id status disbursed { amount currency }
    outstanding { principal { amount } interest { amount } fees { amount } penalty { amount } total { amount } }
    repaid { total { amount } } payouts { edges { node { id } } totalCount } repayments { edges { node { id } } totalCount }
    ledgerTransactions(first: 100) { edges { node { code metadata } } pageInfo { hasNextPage } } } }`;
const RETRY_PAYOUT = `mutation ($id: ID!) { retryPayout(financingId: $id) { __typename ... on Payout { id } ${STATE_FIELDS} } }`;

/** The supplier's payout account as it is typed in, and as its digits are stored. */
const ACCOUNT_NUMBER_TYPED = '6222 0202 0011 2233 445';
const ACCOUNT_NUMBER = '6222020200112233445';
const NEW_ACCOUNT_NUMBER = '6217000011112222789';
/** Nineteen digits outside the platform's 955880 range: no virtual account has it. */
const UNKNOWN_VAN = '1234567890123456789';

describe('money-side API (servicing)', () => {
  let db: TestDatabase;
  let bank: BankSimulator;
  /** As in production: no simulated bank. */
  let api: TestApi;
  /** As in development: the simulated bank, booked at once. */
  let devApi: TestApi;
  let parties: FinancingParties;
  /** An operator with both roles, so that only the four-eyes rule stops them checking their own record. */
  let operatorMaker: TestActor;
  let operatorChecker: TestActor;
  let operatorMakerOnly: TestActor;
  let outsider: TestActor;
  /** `financingId` is the row's id, for the database; `financingGid` the API's id of it. */
  let disbursed: { financingId: string; financingGid: string; supplier: TestActor; collectionCode: string };
  let undisbursedFinancingId: string;
  /** Every raw response body of this file, to prove a full account number never left the API. */
  const responses: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    bank = new BankSimulator({ pool: db.url });
    api = await startTestApi(db.prisma);
    devApi = await startTestApi(db.prisma, {
      temporalClient: api.temporal,
      devBank: { simulator: bank, processInbound: () => bookInboundCredits({ prisma: db.prisma, bank, temporal: api.temporal, logger: testLogger }) },
    });
    parties = await createFinancingParties(db.prisma);
    operatorMaker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER'] });
    operatorChecker = await createActor(db.prisma, { partyId: operatorMaker.partyId, userRoles: ['CHECKER'] });
    operatorMakerOnly = await createActor(db.prisma, { partyId: operatorMaker.partyId, userRoles: ['MAKER'] });
    outsider = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    disbursed = await disbursedFinancing();
    // The program's limit is 1,000,000.00: 800,000.00 is taken by the disbursed one.
    undisbursedFinancingId = (await appliedFinancing('100000.00')).id;
  });

  afterAll(async () => {
    await devApi?.close();
    await api?.close();
    await bank?.close();
    await db?.drop();
  });

  /** POSTs over real HTTP and keeps the raw body. */
  async function request(token: string, query: string, variables: Record<string, unknown> = {}, on: TestApi = api): Promise<{ text: string; data?: Record<string, Result>; errors?: unknown }> {
    const response = await fetch(on.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const text = await response.text();
    responses.push(text);
    return { text, ...(JSON.parse(text) as { data?: Record<string, Result>; errors?: unknown }) };
  }

  /** The one top-level field's result; a top-level GraphQL error (an untyped or masked failure) fails the test. */
  async function call(token: string, query: string, variables: Record<string, unknown> = {}, on: TestApi = api): Promise<Result> {
    const body = await request(token, query, variables, on);
    expect(body.errors, body.text).toBeUndefined();
    return Object.values(body.data!)[0]!;
  }

  /** Refusals whose "nothing changed" is checked before the typed result, so both are reported. */
  async function expectRefusedWithNothingChanged(send: () => Promise<{ text: string; data?: Record<string, Result>; errors?: unknown }>, state: () => Promise<unknown>, expected: Record<string, unknown>) {
    const before = await state();
    const body = await send();
    expect(await state()).toEqual(before);
    expect(body.errors, body.text).toBeUndefined();
    expect(Object.values(body.data!)[0]).toMatchObject(expected);
  }

  async function posted(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  const appliedFinancing = (amount: string) => applyDirectly(db.prisma, parties, amount);
  const disbursedFinancing = () => disburseDirectly(db.prisma, parties, '800000.00');

  describe('registerPayoutAccount', () => {
    it('changes a payout account only with a second user, after the cooling-off period, telling the funders and operators, and never returns the full number', async () => {
      const NAME = '深圳市华强精密电子有限公司';
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: NAME });
      const second = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['CHECKER'] });
      await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
      const first = responses.length;
      expect(await call(supplier.token, PAYOUT_ACCOUNT)).toBeNull();

      // Proposed is not in effect: a second user of the party must approve, never the proposer nor another party.
      const registered = await call(supplier.token, REGISTER, { input: { accountName: ` ${NAME} `, accountNumber: ACCOUNT_NUMBER_TYPED, bankName: '中国工商银行深圳华强支行' } });
      expect(registered).toMatchObject({ __typename: 'PartyBankAccount', accountName: NAME, accountNumber: '**** 3445', bankName: '中国工商银行深圳华强支行', status: 'PROPOSED', effectiveFrom: null });
      expect(await call(supplier.token, PAYOUT_ACCOUNT)).toBeNull();
      expect(await call(supplier.token, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' });
      expect(await call(outsider.token, APPROVE_ACCOUNT, { id: registered.id })).toMatchObject({ __typename: 'NotFoundError' });
      // A party's first account is in effect once approved.
      const approved = await call(second.token, APPROVE_ACCOUNT, { id: registered.id });
      expect(approved).toMatchObject({ __typename: 'PartyBankAccount', status: 'APPROVED' });
      expect(approved.effectiveFrom).toBe(approved.decidedAt);
      expect(await call(supplier.token, PAYOUT_ACCOUNT)).toEqual({ id: registered.id, accountName: NAME, accountNumber: '**** 3445', bankName: '中国工商银行深圳华强支行' });
      // Stored in full (the bank needs it), shown masked.
      expect((await db.prisma.partyBankAccount.findUniqueOrThrow({ where: { id: rowId(registered.id) } })).accountNumber).toBe(ACCOUNT_NUMBER);

      // A change: approved, it waits out the cooling-off period while payouts keep going to the account in effect.
      const replaced = await call(supplier.token, REGISTER, { input: { accountName: NAME, accountNumber: NEW_ACCOUNT_NUMBER, bankName: '招商银行深圳分行' } });
      expect(replaced).toMatchObject({ __typename: 'PartyBankAccount', accountNumber: '**** 2789', bankName: '招商银行深圳分行', status: 'PROPOSED' });
      const cooling = await call(second.token, APPROVE_ACCOUNT, { id: replaced.id });
      expect(cooling).toMatchObject({ status: 'APPROVED' });
      expect(Date.parse(cooling.effectiveFrom) - Date.parse(cooling.decidedAt)).toBe(PAYOUT_ACCOUNT_COOLING_OFF_DEFAULT_MS);
      expect(await call(supplier.token, PAYOUT_ACCOUNT)).toMatchObject({ id: registered.id, accountNumber: '**** 3445' });
      expect(await call(second.token, PAYOUT_CHANGES)).toEqual([{ id: replaced.id, status: 'APPROVED', effectiveFrom: cooling.effectiveFrom }]);
      expect((await currentPayoutAccount(db.prisma, supplier.partyId, new Date(Date.parse(cooling.effectiveFrom) - 1)))?.id).toBe(rowId(registered.id));
      expect((await currentPayoutAccount(db.prisma, supplier.partyId, new Date(cooling.effectiveFrom)))?.id).toBe(rowId(replaced.id));
      // The funder that finances the supplier and the operators are told, masked; the first account told no one.
      const told = await db.prisma.notification.findMany({ where: { kind: 'PAYOUT_ACCOUNT_CHANGED', body: { contains: NAME } } });
      expect(told.map((row) => row.partyId)).toEqual(expect.arrayContaining([parties.funder.partyId, operatorMaker.partyId]));
      expect(told.every((row) => row.body.includes('**** 2789') && !row.body.includes(NEW_ACCOUNT_NUMBER))).toBe(true);

      for (const body of responses.slice(first)) {
        for (const number of [ACCOUNT_NUMBER, ACCOUNT_NUMBER_TYPED, NEW_ACCOUNT_NUMBER]) expect(body).not.toContain(number);
      }
    });

    it("refuses an account in another name than the party's own (同名账户), storing nothing", async () => {
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: '深圳市华强精密电子有限公司' });
      const refused = await call(supplier.token, REGISTER, { input: { accountName: 'Attacker Ltd', accountNumber: NEW_ACCOUNT_NUMBER, bankName: '招商银行深圳分行' } });
      expect(refused).toMatchObject({ __typename: 'ValidationError', code: 'PAYOUT_ACCOUNT_NOT_OWN_NAME' });
      expect(await db.prisma.partyBankAccount.count({ where: { partyId: supplier.partyId } })).toBe(0);
    });

    it('refuses malformed accounts with the field paths, and a user without ADMIN, storing nothing', async () => {
      const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'], legalName: '深圳市华强精密电子有限公司' });
      const maker = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['MAKER'] });
      const checker = await createActor(db.prisma, { partyId: supplier.partyId, userRoles: ['CHECKER'] });
      const kept = await call(supplier.token, REGISTER, { input: { accountName: '深圳市华强精密电子有限公司', accountNumber: ACCOUNT_NUMBER, bankName: '中国工商银行深圳华强支行' } });
      expect(kept.__typename).toBe('PartyBankAccount');
      expect(await call(maker.token, APPROVE_ACCOUNT, { id: kept.id })).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      expect(await call(checker.token, APPROVE_ACCOUNT, { id: kept.id })).toMatchObject({ status: 'APPROVED' });
      const valid = { accountName: '深圳市华强精密电子有限公司', accountNumber: NEW_ACCOUNT_NUMBER, bankName: '招商银行深圳分行' };
      const cases: Array<[string, Record<string, string>, string[][]]> = [
        ['letters in the number', { ...valid, accountNumber: '6222abcd00112233445' }, [['input', 'accountNumber']]],
        ['7 digits', { ...valid, accountNumber: '1234567' }, [['input', 'accountNumber']]],
        ['33 digits', { ...valid, accountNumber: '1'.repeat(33) }, [['input', 'accountNumber']]],
        ['an empty name', { ...valid, accountName: '   ' }, [['input', 'accountName']]],
        ['an empty bank and 7 digits', { ...valid, bankName: '', accountNumber: '1234567' }, [['input', 'bankName'], ['input', 'accountNumber']]],
      ];
      for (const [name, input, paths] of cases) {
        const result = await call(supplier.token, REGISTER, { input });
        expect(result, name).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
        expect(result.issues.map((issue: Result) => issue.path), name).toEqual(paths);
      }
      expect(await call(maker.token, REGISTER, { input: valid })).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });

      const rows = await db.prisma.partyBankAccount.findMany({ where: { partyId: supplier.partyId } });
      expect(rows.map((row) => [row.id, row.retiredAt])).toEqual([[rowId(kept.id), null]]);
      expect(await call(maker.token, PAYOUT_ACCOUNT)).toMatchObject({ id: kept.id, accountNumber: '**** 3445' });
    });
  });

  describe('topUpInstructions', () => {
    it("shows a funder its funding account's number in full, and never a collection account", async () => {
      const funderVan = await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
      const collectionVan = await vanOf(disbursed.collectionCode);
      const instructions = await call(parties.funder.token, TOP_UP);
      expect(instructions).toEqual([{ purpose: 'FUNDER_FUNDING', bankName: ESCROW_BANK_NAME, accountName: '前海恒信商业保理有限公司', virtualAccountNumber: funderVan, currency: 'CNY' }]);
      expect(funderVan).toMatch(/^\d{19}$/);
      // The funder owns the financing's collection account, but nobody tops it up.
      expect((await findAccountByCode(db.prisma, disbursed.collectionCode))!.ownerPartyId).toBe(parties.funder.partyId);
      expect(JSON.stringify(instructions)).not.toContain(collectionVan);
    });

    it('shows a supplier its settlement account', async () => {
      const supplierVan = await vanOf(partyAccountCode(disbursed.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY'));
      expect(await call(disbursed.supplier.token, TOP_UP)).toEqual([
        { purpose: 'SUPPLIER_SETTLEMENT', bankName: ESCROW_BANK_NAME, accountName: '深圳市华强精密电子有限公司', virtualAccountNumber: supplierVan, currency: 'CNY' },
      ]);
      expect(supplierVan).toMatch(/^\d{19}$/);
    });
  });

  describe('simulateInboundCredit', () => {
    let funder: TestActor;
    let funderVan: string;

    beforeAll(async () => {
      funder = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['MAKER'], legalName: '前海恒信商业保理有限公司' });
      await ensurePlatformAccounts(db.prisma);
      await openPartyAccounts(db.prisma, { id: funder.partyId, roles: ['FUNDER'] });
      funderVan = await vanOf(partyAccountCode(funder.partyId, 'FUNDER_FUNDING', 'CNY'));
    });

    async function funderBalance(): Promise<Result> {
      const accounts = await call(funder.token, ACCOUNTS, { purpose: 'FUNDER_FUNDING' });
      expect(accounts.edges).toHaveLength(1);
      return accounts.edges[0].node;
    }

    it('is refused outside development: an API without the simulated bank does not have it', async () => {
      const before = await db.prisma.inboundCredit.count();
      const body = await request(funder.token, SIMULATE, { van: funderVan, amount: '1000.00' });
      expect(body.data).toBeUndefined();
      expect(body.errors).toEqual([expect.objectContaining({ message: 'Cannot query field "simulateInboundCredit" on type "Mutation".' })]);
      expect(await db.prisma.inboundCredit.count()).toBe(before);
    });

    it("books money to a funder's virtual account, and money to an unknown number to suspense", async () => {
      const before = await funderBalance();
      expect(before.virtualAccountNumber).toBe(funderVan);
      const matched = await call(funder.token, SIMULATE, { van: funderVan, amount: '250000.50' }, devApi);
      expect(matched).toMatchObject({ __typename: 'InboundCredit', virtualAccountNumber: funderVan, amount: { amount: '250000.50', currency: 'CNY' }, payerName: '前海恒信商业保理有限公司', outcome: 'MATCHED' });
      const after = await funderBalance();
      expect(after.balance.posted.amount).toBe(new Decimal(before.balance.posted.amount).plus('250000.50').toFixed(2));
      expect(after.balance.available.amount).toBe(new Decimal(before.balance.available.amount).plus('250000.50').toFixed(2));
      expect(await db.prisma.inboundCredit.findUniqueOrThrow({ where: { bankReference: matched.bankReference } })).toMatchObject({ outcome: 'MATCHED', financingId: null });

      expect(await db.prisma.ledgerAccount.count({ where: { virtualAccountNumber: UNKNOWN_VAN } })).toBe(0);
      const suspenseBefore = await posted(platformAccountCode('SUSPENSE', 'CNY'));
      const parked = await call(funder.token, SIMULATE, { van: UNKNOWN_VAN, amount: '88.80' }, devApi);
      expect(parked).toMatchObject({ __typename: 'InboundCredit', virtualAccountNumber: UNKNOWN_VAN, amount: { amount: '88.80' }, outcome: 'SUSPENSE' });
      expect(await posted(platformAccountCode('SUSPENSE', 'CNY'))).toBe(new Decimal(suspenseBefore).plus('88.80').toFixed(2));
      expect((await funderBalance()).balance.posted).toEqual(after.balance.posted);
      expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
    });

    it('refuses a malformed virtual account number and books nothing', async () => {
      const before = await db.prisma.inboundCredit.count();
      const result = await call(funder.token, SIMULATE, { van: '12345', amount: '100.00' }, devApi);
      expect(result).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['virtualAccountNumber'] }] });
      expect(await db.prisma.inboundCredit.count()).toBe(before);
    });

    it.each([
      ['three decimals', '100.001'],
      ['negative', '-100.00'],
      ['zero', '0'],
    ])('refuses an amount with %s (%s) with a ValidationError and books nothing', async (_name, amount) => {
      const booked = async () => ({ credits: await db.prisma.inboundCredit.count(), transactions: await db.prisma.ledgerTransaction.count(), balance: (await funderBalance()).balance });
      await expectRefusedWithNothingChanged(() => request(funder.token, SIMULATE, { van: funderVan, amount }, devApi), booked, { __typename: 'ValidationError' });
    });
  });

  describe('reverseSimulatedCredit', () => {
    const REVERSE = `mutation ($ref: String!) { reverseSimulatedCredit(bankReference: $ref) { __typename ... on BankReversal { bankReference reversedAt } ${ERROR_FIELDS} } }`;
    const reversals = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM bank_simulator.booking_line WHERE kind = 'INBOUND_CREDIT_REVERSAL'")).rows[0]!.n;

    it('takes a credit back at the simulated bank, once, for operators only and only in development', async () => {
      const van = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!;
      const credit = (await call(parties.funder.token, SIMULATE, { van, amount: '10.00' }, devApi)) as { bankReference: string };
      const before = await reversals();
      expect(await call(parties.funder.token, REVERSE, { ref: credit.bankReference }, devApi)).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      expect((await request(operatorChecker.token, REVERSE, { ref: credit.bankReference })).errors).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'Cannot query field "reverseSimulatedCredit" on type "Mutation".' })]));
      expect(await call(operatorChecker.token, REVERSE, { ref: 'CMB:NO-SUCH-CREDIT' }, devApi)).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['bankReference'], message: 'no credit of bank reference CMB:NO-SUCH-CREDIT to reverse' }] });
      expect(await reversals()).toBe(before);
      const reversal = await call(operatorChecker.token, REVERSE, { ref: credit.bankReference }, devApi);
      expect(reversal).toEqual({ __typename: 'BankReversal', bankReference: expect.stringMatching(/^SIM\d{16}$/), reversedAt: expect.any(String) });
      expect(await call(operatorMaker.token, REVERSE, { ref: credit.bankReference }, devApi)).toEqual(reversal);
      expect(await reversals()).toBe(before + 1);
    });
  });

  describe('scriptBankPayouts', () => {
    const scripts = async () => (await db.query<{ beneficiary_account_number: string | null; behaviour: string; remaining: number }>('SELECT beneficiary_account_number, behaviour, remaining FROM bank_simulator.script ORDER BY id')).rows;

    it('is for operators, and only in development', async () => {
      const before = await scripts();
      expect(await call(parties.funder.token, SCRIPT, { behaviour: 'FAIL' }, devApi)).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      expect(await call(outsider.token, SCRIPT, { behaviour: 'FAIL' }, devApi)).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      // An API without the simulated bank does not have the mutation, nor its argument's type.
      const outsideDevelopment = await request(operatorChecker.token, SCRIPT, { behaviour: 'FAIL' });
      expect(outsideDevelopment.data).toBeUndefined();
      expect(outsideDevelopment.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ message: 'Unknown type "SimulatedPayoutBehaviour".' }),
          expect.objectContaining({ message: 'Cannot query field "scriptBankPayouts" on type "Mutation".' }),
        ]),
      );
      expect(await scripts()).toEqual(before);
    });

    it('tells the simulated bank how to treat the next payouts', async () => {
      const before = await scripts();
      expect(await call(operatorChecker.token, SCRIPT, { behaviour: 'FAIL', account: '6222020200556677889', times: 2 }, devApi)).toEqual({ __typename: 'BankScript', behaviour: 'FAIL', times: 2 });
      expect(await call(operatorMaker.token, SCRIPT, { behaviour: 'SUCCEED' }, devApi)).toEqual({ __typename: 'BankScript', behaviour: 'SUCCEED', times: 1 });
      expect(await scripts()).toEqual([
        ...before,
        { beneficiary_account_number: '6222020200556677889', behaviour: 'FAIL', remaining: 2 },
        { beneficiary_account_number: null, behaviour: 'SUCCEED', remaining: 1 },
      ]);
    });

    it('refuses a delay for a behaviour that takes none with a ValidationError, scripting nothing', async () => {
      await expectRefusedWithNothingChanged(() => request(operatorChecker.token, SCRIPT, { behaviour: 'SUCCEED', delayMinutes: 5 }, devApi), scripts, { __typename: 'ValidationError' });
    });
  });

  describe('offline repayments (maker-checker)', () => {
    const NOTE = '核心企业线下电汇 paid by wire outside the bank feed';
    const newReference = () => `RCPT-${randomUUID().slice(0, 8)}`;
    /** Bookings made by a decision rather than by a bank line (as approvals did before they became expectations): there must be none. */
    const offlineCredits = () => db.prisma.inboundCredit.count({ where: { bankReference: { startsWith: 'OFFLINE:' } } });

    it('expects a recorded receipt once a second operator approves it, and only once; the bank line books the money', async () => {
      const id = disbursed.financingGid;
      const bankReference = newReference();
      const collectionBefore = await posted(disbursed.collectionCode);
      const recorded = await call(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: id, amount: '300000.00', bankReference, note: NOTE } });
      expect(recorded).toMatchObject({ __typename: 'OfflineRepayment', status: 'PENDING', bankReference, note: NOTE, amount: { amount: '300000.00', currency: 'CNY' }, financing: { id }, decidedAt: null });
      // Recorded is not booked: nothing moves until another operator checks it.
      expect(await posted(disbursed.collectionCode)).toBe(collectionBefore);

      const refusals: Array<[string, string, string, Record<string, unknown>]> = [
        ['the maker approves their own record', operatorMaker.token, APPROVE_OFFLINE, { __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' }],
        ['the maker rejects their own record', operatorMaker.token, REJECT_OFFLINE, { __typename: 'ForbiddenError', code: 'MAKER_CANNOT_CHECK' }],
        ['an operator without the CHECKER role', operatorMakerOnly.token, APPROVE_OFFLINE, { __typename: 'ForbiddenError', code: 'FORBIDDEN' }],
        ["the funder's checker", parties.funderChecker.token, APPROVE_OFFLINE, { __typename: 'ForbiddenError', code: 'FORBIDDEN' }],
        ['the supplier', disbursed.supplier.token, APPROVE_OFFLINE, { __typename: 'ForbiddenError', code: 'FORBIDDEN' }],
      ];
      for (const [name, token, mutation, expected] of refusals) {
        expect(await call(token, mutation, { id: recorded.id }), name).toMatchObject(expected);
      }
      expect(await db.prisma.offlineRepayment.findUniqueOrThrow({ where: { id: rowId(recorded.id) } })).toMatchObject({ status: 'PENDING', checkerUserId: null, decidedAt: null });
      expect(await posted(disbursed.collectionCode)).toBe(collectionBefore);

      const approved = await call(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id });
      expect(approved).toMatchObject({ __typename: 'OfflineRepayment', id: recorded.id, status: 'APPROVED', decidedAt: expect.any(String), matchedCredit: null });
      // Expected, not money: the approval posts nothing.
      expect(await posted(disbursed.collectionCode)).toBe(collectionBefore);
      expect(await call(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id })).toMatchObject({ __typename: 'WrongStateError', code: 'WRONG_STATE', currentState: 'APPROVED' });
      expect(await call(operatorChecker.token, REJECT_OFFLINE, { id: recorded.id })).toMatchObject({ __typename: 'WrongStateError', code: 'WRONG_STATE', currentState: 'APPROVED' });

      // The bank line comes: booked once, as every bank line, and the receipt is matched to it.
      const line = await recordInboundCredit(db.prisma, { bankReference, virtualAccountNumber: await vanOf(disbursed.collectionCode), amount: '300000.00', currency: 'CNY', payerName: '广州云海', payerAccountNumber: '6222020200112233', remittanceInformation: 'repay', receivedAt: new Date() });
      expect(line.credit).toMatchObject({ outcome: 'MATCHED', financingId: disbursed.financingId });
      expect(await posted(disbursed.collectionCode)).toBe(new Decimal(collectionBefore).plus('300000.00').toFixed(2));
      expect(await db.prisma.offlineRepayment.findUniqueOrThrow({ where: { id: rowId(recorded.id) } })).toMatchObject({ status: 'MATCHED', matchedCreditId: line.credit.id });

      // No workflow runs here, so the money waits in the collection account unallocated.
      const financing = await call(operatorChecker.token, FINANCING, { id });
      expect(financing).toMatchObject({
        __typename: 'Financing',
        status: 'PAYOUT_FAILED',
        disbursed: { amount: '788000.00', currency: 'CNY' },
        outstanding: { principal: { amount: '800000.00' }, interest: { amount: '0.00' }, fees: { amount: '0.00' }, penalty: { amount: '0.00' }, total: { amount: '800000.00' } },
        repaid: { total: { amount: '0.00' } },
        payouts: { edges: [], totalCount: 0 },
        repayments: { edges: [], totalCount: 0 },
      });
      // The funder owns the collection account and sees the booking into it; the supplier does not.
      const codesOf = (found: Result) => {
        expect(found.ledgerTransactions.pageInfo.hasNextPage).toBe(false);
        return found.ledgerTransactions.edges.map((edge: Result) => edge.node.code);
      };
      const codesFor = async (token: string) => codesOf(await call(token, FINANCING, { id }));
      expect(codesOf(financing)).toEqual(expect.arrayContaining(['INBOUND_RECEIPT', 'INBOUND_MATCH']));
      expect(await codesFor(parties.funder.token)).toContain('INBOUND_MATCH');
      expect(await codesFor(parties.funder.token)).not.toContain('INBOUND_RECEIPT');
      expect(await codesFor(disbursed.supplier.token)).not.toContain('INBOUND_MATCH');

      const again = await call(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: id, amount: '300000.00', bankReference, note: NOTE } });
      expect(again).toMatchObject({ __typename: 'ValidationError', code: 'DUPLICATE_BANK_REFERENCE', issues: [{ path: ['input', 'bankReference'] }] });
      expect(await db.prisma.offlineRepayment.count({ where: { bankReference } })).toBe(1);
      expect(await offlineCredits()).toBe(0);
      expect(await posted(disbursed.collectionCode)).toBe(new Decimal(collectionBefore).plus('300000.00').toFixed(2));
    });

    it('books an offline receipt and the same bank line once: the record is an expectation, the bank line is the money', async () => {
      const bankReference = newReference();
      const van = await vanOf(disbursed.collectionCode);
      const escrowCode = platformAccountCode('ESCROW_BANK', 'CNY');
      const [escrowBefore, collectionBefore] = [await posted(escrowCode), await posted(disbursed.collectionCode)];
      // The core enterprise pays 200,000.00; the feed is late, so one operator records it and another approves.
      const recorded = await call(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: disbursed.financingGid, amount: '200000.00', bankReference, note: NOTE } });
      expect(await call(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id })).toMatchObject({ __typename: 'OfflineRepayment', status: 'APPROVED', matchedCredit: null });
      // Approved is expected, not money: nothing reaches the escrow bank account or the collection account.
      expect([await posted(escrowCode), await posted(disbursed.collectionCode)]).toEqual([escrowBefore, collectionBefore]);
      // Then the bank line itself arrives: it is booked once, and the expectation is matched to it.
      const receivedAt = new Date();
      await recordInboundCredit(db.prisma, { bankReference, virtualAccountNumber: van, amount: '200000.00', currency: 'CNY', payerName: '广州云海', payerAccountNumber: '6222020200112233', remittanceInformation: 'repay', receivedAt });
      expect(await posted(escrowCode)).toBe(new Decimal(escrowBefore).plus('200000.00').toFixed(2));
      expect(await posted(disbursed.collectionCode)).toBe(new Decimal(collectionBefore).plus('200000.00').toFixed(2));
      const matched = await call(operatorChecker.token, `query ($id: ID!) { node(id: $id) { ... on OfflineRepayment { status matchedCredit { bankReference amount { amount } } } } }`, { id: recorded.id });
      expect(matched).toEqual({ status: 'MATCHED', matchedCredit: { bankReference, amount: { amount: '200000.00' } } });
      expect(await offlineCredits()).toBe(0);
    });

    it('matches an approval to the bank line the feed booked first, moving nothing', async () => {
      const bankReference = newReference();
      const escrowCode = platformAccountCode('ESCROW_BANK', 'CNY');
      await recordInboundCredit(db.prisma, { bankReference, virtualAccountNumber: await vanOf(disbursed.collectionCode), amount: '1500.00', currency: 'CNY', payerName: '广州云海', payerAccountNumber: '6222020200112233', remittanceInformation: 'repay', receivedAt: new Date() });
      const [escrowBefore, collectionBefore] = [await posted(escrowCode), await posted(disbursed.collectionCode)];
      const recorded = await call(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: disbursed.financingGid, amount: '1500.00', bankReference, note: NOTE } });
      expect(await call(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id })).toMatchObject({ __typename: 'OfflineRepayment', status: 'MATCHED', matchedCredit: { bankReference } });
      expect([await posted(escrowCode), await posted(disbursed.collectionCode)]).toEqual([escrowBefore, collectionBefore]);
    });

    it('matches a bank line under another reference by the collection account, the amount and the value-date window', async () => {
      const escrowCode = platformAccountCode('ESCROW_BANK', 'CNY');
      const recorded = await call(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: disbursed.financingGid, amount: '2345.67', bankReference: newReference(), note: NOTE } });
      await call(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id });
      const escrowBefore = await posted(escrowCode);
      const lineReference = `BANK-${randomUUID().slice(0, 8)}`;
      await recordInboundCredit(db.prisma, { bankReference: lineReference, virtualAccountNumber: await vanOf(disbursed.collectionCode), amount: '2345.67', currency: 'CNY', payerName: '广州云海', payerAccountNumber: '6222020200112233', remittanceInformation: 'wrong memo', receivedAt: new Date() });
      expect(await posted(escrowCode)).toBe(new Decimal(escrowBefore).plus('2345.67').toFixed(2));
      const row = await db.prisma.offlineRepayment.findUniqueOrThrow({ where: { id: rowId(recorded.id) }, include: { matchedCredit: true } });
      expect([row.status, row.matchedCredit?.bankReference]).toEqual(['MATCHED', lineReference]);
    });

    it('escalates an approved receipt no bank line brought in time to every operator, once, and keeps expecting it', async () => {
      const recorded = await call(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: disbursed.financingGid, amount: '777.77', bankReference: newReference(), note: NOTE } });
      await call(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id });
      const { decidedAt } = await db.prisma.offlineRepayment.findUniqueOrThrow({ where: { id: rowId(recorded.id) } });
      const notices = () => db.prisma.notification.findMany({ where: { kind: 'OFFLINE_RECEIPT_UNMATCHED', partyId: operatorMaker.partyId, body: { contains: recorded.bankReference } } });
      // Not yet: the bank has OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS to bring it.
      expect(await escalateOverdueReceipts(db.prisma, new Date(decidedAt!.getTime() + (OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS * 24 - 1) * 3_600_000))).toBe(0);
      const late = new Date(decidedAt!.getTime() + OFFLINE_RECEIPT_ESCALATE_AFTER_DAYS * 24 * 3_600_000);
      expect(await escalateOverdueReceipts(db.prisma, late)).toBeGreaterThanOrEqual(1);
      expect(await escalateOverdueReceipts(db.prisma, late)).toBe(0);
      expect(await notices()).toHaveLength(1);
      const row = await call(operatorChecker.token, `query ($id: ID!) { node(id: $id) { ... on OfflineRepayment { status escalatedAt matchedCredit { id } } } }`, { id: recorded.id });
      expect(row).toEqual({ status: 'APPROVED', escalatedAt: late.toISOString(), matchedCredit: null });
    });

    it('rejects a recorded repayment without booking anything', async () => {
      const bankReference = newReference();
      const collectionBefore = await posted(disbursed.collectionCode);
      const credits = await offlineCredits();
      const recorded = await call(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: disbursed.financingGid, amount: '1000.00', bankReference, note: NOTE } });
      expect(recorded).toMatchObject({ __typename: 'OfflineRepayment', status: 'PENDING' });
      expect(await call(operatorChecker.token, REJECT_OFFLINE, { id: recorded.id })).toMatchObject({ __typename: 'OfflineRepayment', status: 'REJECTED', decidedAt: expect.any(String) });
      expect(await call(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id })).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
      expect(await db.prisma.inboundCredit.findUnique({ where: { bankReference: `OFFLINE:${bankReference}` } })).toBeNull();
      expect(await offlineCredits()).toBe(credits);
      expect(await posted(disbursed.collectionCode)).toBe(collectionBefore);
    });

    it('lets exactly one of two checkers deciding at once win, and books nothing either way', async () => {
      const otherChecker = await createActor(db.prisma, { partyId: operatorMaker.partyId, userRoles: ['CHECKER'] });
      for (let round = 0; round < 5; round += 1) {
        const bankReference = newReference();
        const recorded = await call(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: disbursed.financingGid, amount: '10.00', bankReference, note: NOTE } });
        const [first, second] = await Promise.all([call(operatorChecker.token, APPROVE_OFFLINE, { id: recorded.id }), call(otherChecker.token, REJECT_OFFLINE, { id: recorded.id })]);
        expect([first.__typename, second.__typename].filter((name) => name === 'OfflineRepayment')).toHaveLength(1);
        const { status } = await db.prisma.offlineRepayment.findUniqueOrThrow({ where: { id: rowId(recorded.id) } });
        expect(['APPROVED', 'REJECTED']).toContain(status);
        expect(await db.prisma.inboundCredit.findUnique({ where: { bankReference } })).toBeNull();
      }
    });

    it('refuses to record for the wrong people, a financing never disbursed, or one that does not exist, recording nothing', async () => {
      const before = await db.prisma.offlineRepayment.count();
      const input = (overrides: Record<string, unknown> = {}) => ({ input: { financingId: disbursed.financingGid, amount: '1000.00', bankReference: newReference(), note: NOTE, ...overrides } });
      const cases: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> = [
        ['never disbursed', operatorMaker.token, input({ financingId: globalId('Financing', undisbursedFinancingId) }), { __typename: 'WrongStateError', code: 'WRONG_STATE', currentState: 'PENDING_ACKNOWLEDGEMENT' }],
        ['unknown financing', operatorMaker.token, input({ financingId: globalId('Financing', randomUUID()) }), { __typename: 'NotFoundError', code: 'NOT_FOUND' }],
        ['an operator without the MAKER role', operatorChecker.token, input(), { __typename: 'ForbiddenError', code: 'FORBIDDEN' }],
        ["the funder's maker", parties.funder.token, input(), { __typename: 'ForbiddenError', code: 'FORBIDDEN' }],
        ['the supplier', disbursed.supplier.token, input(), { __typename: 'ForbiddenError', code: 'FORBIDDEN' }],
        ['a bank reference with spaces', operatorMaker.token, input({ bankReference: 'RCPT 1' }), { __typename: 'ValidationError', issues: [{ path: ['input', 'bankReference'] }] }],
        ['an empty note', operatorMaker.token, input({ note: '  ' }), { __typename: 'ValidationError', issues: [{ path: ['input', 'note'] }] }],
      ];
      for (const [name, token, variables, expected] of cases) {
        expect(await call(token, RECORD_OFFLINE, variables), name).toMatchObject(expected);
      }
      expect(await db.prisma.offlineRepayment.count()).toBe(before);
    });

    it.each([
      ['zero', '0'],
      ['three decimals', '1.001'],
      ['negative', '-1.00'],
    ])('refuses an amount that is %s (%s) with a ValidationError, recording nothing', async (_name, amount) => {
      const recorded = () => db.prisma.offlineRepayment.count();
      await expectRefusedWithNothingChanged(
        () => request(operatorMaker.token, RECORD_OFFLINE, { input: { financingId: disbursed.financingGid, amount, bankReference: newReference(), note: NOTE } }),
        recorded,
        { __typename: 'ValidationError' },
      );
    });
  });

  describe('scoping', () => {
    it('hides a financing from other parties, and lets only its supplier or an operator retry its payout', async () => {
      const id = disbursed.financingGid;
      // A lookup of another party's financing answers null, exactly as for one that does not exist.
      expect(await call(outsider.token, FINANCING, { id })).toBeNull();
      expect(await call(outsider.token, FINANCING, { id: globalId('Financing', randomUUID()) })).toBeNull();
      expect(await call(disbursed.supplier.token, FINANCING, { id })).toMatchObject({ __typename: 'Financing', id, status: 'PAYOUT_FAILED' });
      expect(await call(parties.funder.token, RETRY_PAYOUT, { id })).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      expect(await call(parties.core.token, RETRY_PAYOUT, { id })).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      expect(await call(outsider.token, RETRY_PAYOUT, { id })).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
      // An id this API never gave out is a malformed request: a GraphQL error, not a typed result.
      const malformed = await request(outsider.token, RETRY_PAYOUT, { id: 'not-a-uuid' });
      expect(malformed.data).toBeNull();
      expect(malformed.errors).toEqual([expect.objectContaining({ path: ['retryPayout'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
      expect(await db.prisma.payout.count({ where: { financingId: disbursed.financingId } })).toBe(0);
      expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: disbursed.financingId } })).status).toBe('PAYOUT_FAILED');
    });
  });

  it('leaves the ledger balanced and never sent a full payout account number', async () => {
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
    expect((await trialBalance(db.prisma, 'CNY', 'MEMO')).balanced).toBe(true);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    expect(responses.filter((body) => body.includes(ACCOUNT_NUMBER) || body.includes(NEW_ACCOUNT_NUMBER))).toEqual([]);
  });
});
