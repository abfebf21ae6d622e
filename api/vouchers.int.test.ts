import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { creditCodeCheckCharacter } from '../domain/credit-code';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { registrationInput, uniqueInvoiceNumber } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { getBalance } from '../prisma/stores/ledger/balances';

// Vouchers through the API over real HTTP, with the acceptance workflow on the Temporal dev
// server: the issue and its four eyes, the feature request's split down three tiers, the
// registry, a refusal, an expiry, a race for the last cent and the refusals of bad input.

type Result = Record<string, any>;

const ERRORS = `... on Error { __typename code message } ... on ValidationError { issues { path message } }`;
const PART = `id partNumber tier status heldAmount { amount } holding { amount } holder { legalName }`;
const TRANSFER = `__typename ... on VoucherTransfer { id transferNumber status amount { amount currency } toPart { id } } ${ERRORS}`;
const ISSUE = `mutation ($input: IssueVoucherInput!) { issueVoucher(input: $input) { __typename ... on Voucher { id voucherNumber status parts { id } } ${ERRORS} } }`;
const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) { ${TRANSFER} } }`;
const decisionMutation = (name: string, reasonRequired: boolean) => `mutation ($id: ID!, $reason: String${reasonRequired ? '!' : ''}) { ${name}(id: $id, reason: $reason) { ${TRANSFER} } }`;
const VOUCHER = `query ($id: ID!) { voucher(id: $id) { id status parts { ${PART} } } }`;
const PART_QUERY = `query ($id: ID!) { node(id: $id) { ... on VoucherPart { ${PART} chain { holder { legalName } } lineage { part { partNumber } children { part { partNumber } children { part { partNumber } } } } } } }`;

describe('vouchers API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let coreMaker: TestActor;
  let coreChecker: TestActor;
  let tier1: TestActor;
  let tier1Checker: TestActor;
  const tier2: TestActor[] = [];
  const tier3: TestActor[] = [];
  let stranger: TestActor;
  const today = businessDateOf(new Date());

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    coreMaker = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER', 'ADMIN'], legalName: '广州云海智能制造集团股份有限公司' });
    coreChecker = await createActor(db.prisma, { partyId: coreMaker.partyId, userRoles: ['CHECKER'] });
    tier1 = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    tier1Checker = await createActor(db.prisma, { partyId: tier1.partyId, userRoles: ['CHECKER'] });
    for (const name of ['东莞市精工模具有限公司', '惠州市鼎盛包装有限公司', '佛山市联发五金有限公司']) tier2.push(await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: name }));
    for (const name of ['中山市恒达电镀厂', '江门市新材塑胶有限公司']) tier3.push(await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: name }));
    stranger = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '珠海市远航物流有限公司' });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  const invoice = (amount: string) => ({ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount, issueDate: addDays(today, -10) });

  async function issue(amount: string, holder = tier1, key = `issue-${uniqueInvoiceNumber()}`, invoices = [invoice(amount)]): Promise<Result> {
    return api.call(coreMaker.token, ISSUE, { input: { holderCreditCode: holder.creditCode, contractNumber: 'HT-2026-0815', currency: 'CNY', amount, dueDate: addDays(today, 180), invoices, idempotencyKey: key } });
  }

  async function propose(by: TestActor, fromPartId: string, to: TestActor, amount: string, overrides: Record<string, unknown> = {}): Promise<Result> {
    return api.call(by.token, PROPOSE, {
      input: { fromPartId, recipientCreditCode: to.creditCode, contractNumber: 'CG-2026-0101', currency: 'CNY', amount, invoices: [invoice(amount.includes('.') && amount.split('.')[1]!.length > 2 ? '1.00' : amount)], idempotencyKey: `t-${uniqueInvoiceNumber()}`, ...overrides },
    });
  }

  const decide = (name: string, by: TestActor, id: string, reason?: string) => api.call(by.token, decisionMutation(name, reason !== undefined), { id, reason });

  async function transferFully(by: TestActor, checker: TestActor, fromPartId: string, to: TestActor, amount: string): Promise<Result> {
    const proposed = await propose(by, fromPartId, to, amount);
    expect(proposed.status).toBe('PENDING_APPROVAL');
    expect((await decide('approveVoucherTransfer', checker, proposed.id)).status).toBe('PENDING_ACCEPTANCE');
    const accepted = await decide('acceptVoucherTransfer', to, proposed.id);
    expect(accepted.status).toBe('ACCEPTED');
    return accepted;
  }

  let voucherId: string;
  let rootPartId: string;
  const partOf: Record<string, string> = {};

  it('issues a voucher that only a second person of the core approves, and the holder accepts', async () => {
    const issued = await issue('10000000.00');
    expect(issued.__typename).toBe('Voucher');
    expect(issued.status).toBe('PENDING_APPROVAL');
    voucherId = issued.id;
    rootPartId = issued.parts[0].id;
    const transfers = await api.call(coreMaker.token, `{ voucherTransfers { edges { node { id status } } } }`);
    const issueTransfer = transfers.edges[0].node.id;
    const byMaker = await decide('approveVoucherTransfer', coreMaker, issueTransfer);
    expect(byMaker.code).toBe('MAKER_CANNOT_CHECK');
    expect((await decide('approveVoucherTransfer', coreChecker, issueTransfer)).status).toBe('PENDING_ACCEPTANCE');
    expect((await decide('acceptVoucherTransfer', tier1, issueTransfer)).status).toBe('ACCEPTED');
    const voucher = await api.call(coreMaker.token, VOUCHER, { id: voucherId });
    expect(voucher.status).toBe('ACTIVE');
    expect(voucher.parts[0].heldAmount.amount).toBe('10000000.00');
    expect(voucher.parts[0].holding.amount).toBe('10000000.00');
  });

  it('splits down three tiers as in the feature request, the holdings being balances of the memo book', async () => {
    const [a, b, c] = tier2 as [TestActor, TestActor, TestActor];
    const before = new Date();
    for (const [to, amount] of [[a, '3000000.00'], [b, '2500000.00'], [c, '3500000.00']] as const) {
      partOf[to.partyId] = (await transferFully(tier1, tier1Checker, rootPartId, to, amount)).toPart.id;
    }
    const cChecker = await createActor(db.prisma, { partyId: c.partyId, userRoles: ['CHECKER'] });
    for (const [to, amount] of [[tier3[0]!, '1200000.00'], [tier3[1]!, '800000.00']] as const) {
      partOf[to.partyId] = (await transferFully(c, cChecker, partOf[c.partyId]!, to, amount)).toPart.id;
    }
    const voucher = await api.call(coreMaker.token, VOUCHER, { id: voucherId });
    const held = Object.fromEntries(voucher.parts.map((part: Result) => [part.holder.legalName, part.holding.amount]));
    expect(held).toEqual({
      '深圳市华强精密电子有限公司': '1000000.00',
      '东莞市精工模具有限公司': '3000000.00',
      '惠州市鼎盛包装有限公司': '2500000.00',
      '佛山市联发五金有限公司': '1500000.00',
      '中山市恒达电镀厂': '1200000.00',
      '江门市新材塑胶有限公司': '800000.00',
    });
    expect(voucher.parts.every((part: Result) => part.heldAmount.amount === part.holding.amount)).toBe(true);
    // As of before the transfers, tier 1 held everything.
    const root = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(rootPartId) } });
    expect((await getBalance(db.prisma, root.claimAccountId, before)).posted.toFixed(2)).toBe('10000000.00');

    // A tier-3 holder sees its chain, not its siblings; tier 1 sees its own transfers, not beyond.
    const seenBy3 = await api.call(tier3[0]!.token, PART_QUERY, { id: partOf[tier3[0]!.partyId] });
    expect(seenBy3.chain.map((part: Result) => part.holder.legalName)).toEqual(['深圳市华强精密电子有限公司', '佛山市联发五金有限公司', '中山市恒达电镀厂']);
    const tier3Voucher = await api.call(tier3[0]!.token, VOUCHER, { id: voucherId });
    expect(tier3Voucher.parts).toHaveLength(3);
    const seenBy1 = await api.call(tier1.token, PART_QUERY, { id: rootPartId });
    expect(seenBy1.lineage.children).toHaveLength(3);
    expect(seenBy1.lineage.children.every((child: Result) => child.children.length === 0)).toBe(true);
    const seenByCore = await api.call(coreMaker.token, PART_QUERY, { id: rootPartId });
    expect(seenByCore.lineage.children.map((child: Result) => child.children.length).sort()).toEqual([0, 0, 2]);
    // Anyone else: nothing.
    expect(await api.call(stranger.token, VOUCHER, { id: voucherId })).toEqual({});
    expect((await api.request(stranger.token, VOUCHER, { id: voucherId })).data).toEqual({ voucher: null });
  });

  it('refuses bad input, another party\'s part, oneself and more than available, with typed errors', async () => {
    const from = partOf[tier2[0]!.partyId]!;
    const [a] = tier2 as [TestActor];
    expect((await propose(a, from, stranger, '-1.00')).code).toBe('VALIDATION_FAILED');
    expect((await propose(a, from, stranger, '0')).code).toBe('VALIDATION_FAILED');
    expect((await propose(a, from, stranger, '1.005')).code).toBe('VALIDATION_FAILED');
    expect((await propose(a, from, stranger, '1.00', { currency: 'USD' })).code).toBe('CURRENCY_MISMATCH');
    expect((await propose(a, from, a, '1.00')).code).toBe('VOUCHER_TRANSFER_TO_SELF');
    expect((await propose(a, from, { ...stranger, creditCode: `91440300MA5XXXXXX${creditCodeCheckCharacter('91440300MA5XXXXXX')}` }, '1.00')).code).toBe('RECIPIENT_NOT_REGISTERED');
    const otherParty = await propose(stranger, from, a, '1.00');
    expect(otherParty.code).toBe('NOT_FOUND');
    expect((await propose(a, globalId('VoucherPart', '00000000-0000-4000-8000-000000000000'), stranger, '1.00')).code).toBe('NOT_FOUND');
    const tooMuch = await propose(a, from, stranger, '3000000.01');
    expect(tooMuch.code).toBe('EXCEEDS_AVAILABLE_AMOUNT');
    expect(tooMuch.message).toContain('3000000.00');
    // Another party cannot decide, nor learn the state through the error.
    const pending = await propose(a, from, stranger, '10.00');
    expect((await decide('approveVoucherTransfer', stranger, pending.id)).code).toBe('NOT_FOUND');
    expect((await decide('acceptVoucherTransfer', tier3[0]!, pending.id)).code).toBe('NOT_FOUND');
    expect((await decide('cancelVoucherTransfer', a, pending.id, 'entered by mistake')).status).toBe('CANCELLED');
  });

  it('answers a repeated request with the same transfer, once', async () => {
    const [, b] = tier2 as [TestActor, TestActor];
    const input = { fromPartId: partOf[b.partyId], recipientCreditCode: stranger.creditCode, contractNumber: 'CG-2026-0202', currency: 'CNY', amount: '100.00', invoices: [invoice('100.00')], idempotencyKey: `same-${uniqueInvoiceNumber()}` };
    const [first, second] = await Promise.all([api.call(b.token, PROPOSE, { input }), api.call(b.token, PROPOSE, { input })]);
    expect(first.id).toBe(second.id);
    expect(await db.prisma.voucherTransfer.count({ where: { fromPartyId: b.partyId, idempotencyKey: input.idempotencyKey } })).toBe(1);
    const reused = await api.call(b.token, PROPOSE, { input: { ...input, amount: '200.00', invoices: [invoice('200.00')] } });
    expect(reused.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('lets exactly one of two concurrent transfers of the last available cent win, the loser leaving the ledger unchanged', async () => {
    const holder = tier3[1]!;
    const from = partOf[holder.partyId]!;
    expect((await propose(holder, from, stranger, '799999.99')).status).toBe('PENDING_APPROVAL');
    const claim = (await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(from) } })).claimAccountId;
    const holdsBefore = await db.prisma.ledgerHold.count();
    const results = await Promise.all([propose(holder, from, stranger, '0.01'), propose(holder, from, tier2[0]!, '0.01')]);
    expect(results.filter((result) => result.__typename === 'VoucherTransfer')).toHaveLength(1);
    const loser = results.find((result) => result.__typename !== 'VoucherTransfer')!;
    expect(loser.code).toBe('EXCEEDS_AVAILABLE_AMOUNT');
    expect(await db.prisma.ledgerHold.count()).toBe(holdsBefore + 1);
    expect((await getBalance(db.prisma, claim)).available.toFixed(2)).toBe('0.00');
  });

  it('gives the amount back when the recipient refuses, and releases the invoices', async () => {
    const [a] = tier2 as [TestActor];
    const aChecker = await createActor(db.prisma, { partyId: a.partyId, userRoles: ['CHECKER'] });
    const proposed = await propose(a, partOf[a.partyId]!, stranger, '5000.00');
    await decide('approveVoucherTransfer', aChecker, proposed.id);
    expect((await decide('refuseVoucherTransfer', stranger, proposed.id, 'no such order')).status).toBe('REFUSED');
    const part = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(partOf[a.partyId]!) } });
    expect((await getBalance(db.prisma, part.claimAccountId)).available.toFixed(2)).toBe('3000000.00');
    expect(await db.prisma.registryEntry.count({ where: { voucherTransferId: rowId(proposed.id), releasedAt: null } })).toBe(0);
    expect((await decide('acceptVoucherTransfer', stranger, proposed.id)).code).toBe('WRONG_STATE');
  });

  it('keeps an invoice of a voucher transfer out of a registration, and the public check says encumbered', async () => {
    const used = invoice('2000.00');
    const issued = await issue('2000.00', tier1, `issue-${uniqueInvoiceNumber()}`, [used]);
    expect(issued.__typename).toBe('Voucher');
    const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Error { code } } }`;
    const registered = await api.call(tier1.token, REGISTER, { input: registrationInput(coreMaker.creditCode, { faceAmount: '2000.00', invoices: [used] }) });
    expect(registered.code).toBe('RECEIVABLE_ALREADY_ENCUMBERED');
    const CHECK = `query ($code: String!, $invoiceCode: String!, $invoiceNumber: String!) { registryCheck(obligorCreditCode: $code, invoiceCode: $invoiceCode, invoiceNumber: $invoiceNumber) { encumbered registrationNumber } }`;
    const check = await api.call(stranger.token, CHECK, { code: coreMaker.creditCode, invoiceCode: used.invoiceCode, invoiceNumber: used.invoiceNumber });
    expect(check).toEqual({ encumbered: true, registrationNumber: null });
  });

  it('lets the database refuse parts that do not add up', async () => {
    const id = rowId(rootPartId);
    await expect(db.prisma.$executeRaw`UPDATE voucher_part SET held_amount = held_amount - 1 WHERE id = ${id}::uuid`).rejects.toThrow(/hold .* but it was issued for/);
  });

  it('expires an offer the recipient let pass', async () => {
    const shortApi = await startTestApi(db.prisma, { taskQueue: api.taskQueue, temporalClient: api.temporal, receivableSettings: { confirmationWindowMs: 4_000, reminderOffsetsMs: [1_000] } });
    try {
      const issued = await shortApi.call(coreMaker.token, ISSUE, {
        input: { holderCreditCode: tier1.creditCode, contractNumber: 'HT-2026-0999', currency: 'CNY', amount: '500.00', dueDate: addDays(today, 30), invoices: [invoice('500.00')], idempotencyKey: `short-${uniqueInvoiceNumber()}` },
      });
      const transfer = await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: rowId(issued.id) } });
      await decide('approveVoucherTransfer', coreChecker, globalId('VoucherTransfer', transfer.id));
      const until = Date.now() + 20_000;
      let status = transfer.status;
      while (status !== 'EXPIRED' && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: transfer.id } })).status;
      }
      expect(status).toBe('EXPIRED');
      expect((await db.prisma.voucher.findUniqueOrThrow({ where: { id: transfer.voucherId } })).status).toBe('EXPIRED');
      const kinds = await db.prisma.notification.findMany({ where: { voucherTransferId: transfer.id }, select: { kind: true } });
      expect(kinds.map((row) => row.kind).sort()).toEqual(expect.arrayContaining(['VOUCHER_TRANSFER_OFFERED', 'VOUCHER_TRANSFER_EXPIRED']));
    } finally {
      await shortApi.close();
    }
  });
});

