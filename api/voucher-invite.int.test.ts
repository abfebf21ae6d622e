import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { openAccount } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { createParty as insertParty } from '../prisma/stores/party-store';
import { attachWaitingTransfers, openClaimAccount } from '../prisma/stores/voucher-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, uniqueCreditCode, type TestActor } from '../test/support/parties';
import { uniqueInvoiceNumber } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { workflowIds } from '../workflows/contracts/workflow-ids';

// Vouchers offered to a company not yet registered on the platform, through the API over real
// HTTP with the acceptance workflow on the Temporal dev server: the offer waits, named by the
// credit code and name the transferor gave, seen by nobody else; the operator registers the
// company, whose users then see, accept or let lapse what was offered to it.

type Result = Record<string, any>;

const ERRORS = `... on Error { __typename code message } ... on ValidationError { issues { path message } }`;
const TRANSFER_FIELDS = `id transferNumber status recipientRegistered recipientCreditCode recipientName recipient { legalName } toPart { id } amount { amount }`;
const TRANSFER = `__typename ... on VoucherTransfer { ${TRANSFER_FIELDS} } ${ERRORS}`;
const ISSUE = `mutation ($input: IssueVoucherInput!) { issueVoucher(input: $input) { __typename ... on Voucher { id status parts { id } } ${ERRORS} } }`;
const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) { ${TRANSFER} } }`;
const CREATE_PARTY = `mutation ($input: CreatePartyInput!) { createParty(input: $input) { __typename ... on Party { id } ${ERRORS} } }`;
const INBOX = `{ voucherTransfers { totalCount edges { node { ${TRANSFER_FIELDS} } } } }`;
const NODE = `query ($id: ID!) { node(id: $id) { ... on VoucherTransfer { id } } }`;
const PART = `query ($id: ID!) { node(id: $id) { ... on VoucherPart { partNumber tier status heldAmount { amount } holder { legalName } chain { holder { legalName } } } } }`;
const decisionMutation = (name: string, reasonRequired: boolean) => `mutation ($id: ID!, $reason: String${reasonRequired ? '!' : ''}) { ${name}(id: $id, reason: $reason) { ${TRANSFER} } }`;

describe('vouchers offered to a company not yet registered', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let operator: TestActor;
  let coreMaker: TestActor;
  let coreChecker: TestActor;
  let tier1: TestActor;
  let tier1Checker: TestActor;
  let stranger: TestActor;
  let rootPartId: string;
  const today = businessDateOf(new Date());

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] });
    coreMaker = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER', 'ADMIN'], legalName: '广州云海智能制造集团股份有限公司' });
    coreChecker = await createActor(db.prisma, { partyId: coreMaker.partyId, userRoles: ['CHECKER'] });
    tier1 = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    tier1Checker = await createActor(db.prisma, { partyId: tier1.partyId, userRoles: ['CHECKER'] });
    stranger = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '珠海市远航物流有限公司' });
    const issued = await issue(tier1, '1000000.00');
    expect(issued.__typename).toBe('Voucher');
    rootPartId = issued.parts[0].id;
    const issueTransfer = await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: rowId(issued.id) } });
    await decide('approveVoucherTransfer', coreChecker, globalId('VoucherTransfer', issueTransfer.id));
    expect((await decide('acceptVoucherTransfer', tier1, globalId('VoucherTransfer', issueTransfer.id))).status).toBe('ACCEPTED');
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  const invoice = (amount: string) => ({ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount, issueDate: addDays(today, -10) });

  function issue(holder: { creditCode: string; name?: string }, amount: string, on: TestApi = api): Promise<Result> {
    return on.call(coreMaker.token, ISSUE, {
      input: { holderCreditCode: holder.creditCode, holderName: holder.name, contractNumber: 'HT-2026-0815', currency: 'CNY', amount, dueDate: addDays(today, 180), invoices: [invoice(amount)], idempotencyKey: `issue-${uniqueInvoiceNumber()}` },
    });
  }

  function propose(to: { creditCode: string; name?: string | null }, amount: string, on: TestApi = api, by: TestActor = tier1, fromPartId = rootPartId): Promise<Result> {
    return on.call(by.token, PROPOSE, {
      input: { fromPartId, recipientCreditCode: to.creditCode, recipientName: to.name, contractNumber: 'CG-2026-0101', currency: 'CNY', amount, invoices: [invoice(amount)], idempotencyKey: `t-${uniqueInvoiceNumber()}` },
    });
  }

  const decide = (name: string, by: TestActor, id: string, reason?: string) => api.call(by.token, decisionMutation(name, reason !== undefined), { id, reason });

  const available = async (partId: string) => {
    const part = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(partId) } });
    return (await getBalance(db.prisma, part.claimAccountId)).available.toFixed(2);
  };

  async function registerCompany(creditCode: string, legalName: string): Promise<TestActor> {
    const created = await api.call(operator.token, CREATE_PARTY, { input: { legalName, creditCode, roles: ['SUPPLIER'] } });
    expect(created.__typename).toBe('Party');
    // The party's first user, as onboarding leaves it: approved, with a key.
    return createActor(db.prisma, { partyId: rowId(created.id), userRoles: ['ADMIN', 'MAKER'] });
  }

  it('offers part of a voucher to an unregistered company, which registers, sees it and accepts it with the right lineage', async () => {
    const company = { creditCode: uniqueCreditCode(), name: '中山市恒达电镀厂' };
    const refused = await propose({ creditCode: company.creditCode }, '300000.00');
    expect(refused.code).toBe('RECIPIENT_NOT_REGISTERED');
    expect(refused.issues[0].path).toEqual(['input', 'recipientCreditCode']);

    const proposed = await propose(company, '300000.00');
    expect(proposed).toMatchObject({ __typename: 'VoucherTransfer', status: 'PENDING_APPROVAL', recipientRegistered: false, recipientCreditCode: company.creditCode, recipientName: company.name, recipient: null, toPart: null });
    expect(await available(rootPartId)).toBe('700000.00');
    expect((await decide('approveVoucherTransfer', tier1Checker, proposed.id)).status).toBe('PENDING_ACCEPTANCE');

    // Until the company registers: the transferor sees the offer as it named it; nobody else sees anything, counts included.
    const outbox = await api.call(tier1.token, INBOX);
    expect(outbox.edges.map((edge: Result) => edge.node.id)).toContain(proposed.id);
    for (const other of [stranger, coreMaker]) {
      expect((await api.request(other.token, NODE, { id: proposed.id })).data).toEqual({ node: null });
      expect((await api.call(other.token, INBOX)).edges.map((edge: Result) => edge.node.id)).not.toContain(proposed.id);
    }
    expect((await api.call(stranger.token, INBOX)).totalCount).toBe(0);
    expect(await db.prisma.voucherPart.count({ where: { voucher: { parts: { some: { id: rowId(rootPartId) } } } } })).toBe(1);

    const recipient = await registerCompany(company.creditCode, company.name);
    const inbox = await api.call(recipient.token, INBOX);
    expect(inbox.totalCount).toBe(1);
    const offered = inbox.edges[0].node;
    expect(offered).toMatchObject({ id: proposed.id, status: 'PENDING_ACCEPTANCE', recipientRegistered: true, recipient: { legalName: company.name }, amount: { amount: '300000.00' } });
    const notified = await db.prisma.notification.findMany({ where: { partyId: recipient.partyId, voucherTransferId: rowId(proposed.id) } });
    expect(notified.map((row) => row.kind)).toEqual(['VOUCHER_TRANSFER_OFFERED']);
    expect(await api.call(coreMaker.token, NODE, { id: proposed.id })).toEqual({ id: proposed.id });

    const accepted = await decide('acceptVoucherTransfer', recipient, proposed.id);
    expect(accepted.status).toBe('ACCEPTED');
    const part = await api.call(recipient.token, PART, { id: accepted.toPart.id });
    expect(part).toMatchObject({ tier: 2, status: 'ACTIVE', heldAmount: { amount: '300000.00' }, holder: { legalName: company.name } });
    expect(part.chain.map((each: Result) => each.holder.legalName)).toEqual(['深圳市华强精密电子有限公司', company.name]);
    const row = await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(accepted.toPart.id) }, include: { claimAccount: true } });
    expect(row.parentPartId).toBe(rowId(rootPartId));
    expect(row.claimAccount.ownerPartyId).toBe(recipient.partyId);
    expect((await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(rootPartId) } })).heldAmount.toFixed(2)).toBe('700000.00');
  });

  it('issues a voucher to an unregistered company, whose root part is created when it registers', async () => {
    const company = { creditCode: uniqueCreditCode(), name: '江门市新材塑胶有限公司' };
    const issued = await issue(company, '50000.00');
    expect(issued).toMatchObject({ __typename: 'Voucher', status: 'PENDING_APPROVAL', parts: [] });
    const transfer = await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: rowId(issued.id) } });
    const id = globalId('VoucherTransfer', transfer.id);
    expect((await decide('approveVoucherTransfer', coreChecker, id)).status).toBe('PENDING_ACCEPTANCE');
    const holder = await registerCompany(company.creditCode, company.name);
    expect((await decide('acceptVoucherTransfer', holder, id)).status).toBe('ACCEPTED');
    const voucher = await db.prisma.voucher.findUniqueOrThrow({ where: { id: rowId(issued.id) }, include: { parts: true } });
    expect(voucher.status).toBe('ACTIVE');
    expect(voucher.parts.map((part) => [part.tier, part.holderPartyId, part.heldAmount.toFixed(2), part.partNumber.endsWith('-0001')])).toEqual([[1, holder.partyId, '50000.00', true]]);
  });

  it('refuses a missing name, a wrong name, a blank name and oneself with typed errors, changing nothing', async () => {
    const transfersBefore = await db.prisma.voucherTransfer.count();
    const holdsBefore = await db.prisma.ledgerHold.count();
    const unknown = uniqueCreditCode();
    expect((await propose({ creditCode: unknown }, '1.00')).code).toBe('RECIPIENT_NOT_REGISTERED');
    expect((await propose({ creditCode: unknown, name: '   ' }, '1.00')).code).toBe('VALIDATION_FAILED');
    const wrongName = await propose({ creditCode: stranger.creditCode, name: '珠海市远航物流有限责任公司' }, '1.00');
    expect(wrongName.code).toBe('RECIPIENT_NAME_MISMATCH');
    expect(wrongName.issues[0].path).toEqual(['input', 'recipientName']);
    expect(wrongName.message).not.toContain('珠海市远航物流有限公司');
    expect((await propose({ creditCode: tier1.creditCode, name: '深圳市华强精密电子有限公司' }, '1.00')).code).toBe('VOUCHER_TRANSFER_TO_SELF');
    expect((await issue({ creditCode: stranger.creditCode, name: '另一家公司' }, '1.00')).code).toBe('RECIPIENT_NAME_MISMATCH');
    expect((await issue({ creditCode: uniqueCreditCode() }, '1.00')).code).toBe('RECIPIENT_NOT_REGISTERED');
    expect(await db.prisma.voucherTransfer.count()).toBe(transfersBefore);
    expect(await db.prisma.ledgerHold.count()).toBe(holdsBefore);
    // The registered name, full-width or half-width alike, is accepted for a registered party.
    const named = await propose({ creditCode: stranger.creditCode, name: '珠海市远航物流有限公司' }, '1.00');
    expect(named).toMatchObject({ status: 'PENDING_APPROVAL', recipientRegistered: true, recipient: { legalName: '珠海市远航物流有限公司' } });
    expect((await decide('cancelVoucherTransfer', tier1, named.id, 'a test of the name')).status).toBe('CANCELLED');
  });

  it('answers a repeated offer to an unregistered company with the same transfer, and a changed name as another request', async () => {
    const input = { fromPartId: rootPartId, recipientCreditCode: uniqueCreditCode(), recipientName: '肇庆市星河电子有限公司', contractNumber: 'CG-2026-0303', currency: 'CNY', amount: '5.00', invoices: [invoice('5.00')], idempotencyKey: `same-${uniqueInvoiceNumber()}` };
    const [first, second] = await Promise.all([api.call(tier1.token, PROPOSE, { input }), api.call(tier1.token, PROPOSE, { input })]);
    expect(first.__typename).toBe('VoucherTransfer');
    expect(second.id).toBe(first.id);
    expect(await db.prisma.voucherTransfer.count({ where: { fromPartyId: tier1.partyId, idempotencyKey: input.idempotencyKey } })).toBe(1);
    expect((await api.call(tier1.token, PROPOSE, { input: { ...input, recipientName: '肇庆市星河电子科技有限公司' } })).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await decide('cancelVoucherTransfer', tier1, first.id, 'a test of repeats')).status).toBe('CANCELLED');
  });

  it('ends at once the offers whose name is not the registered name of the company that registers with their code, and tells their transferor', async () => {
    const creditCode = uniqueCreditCode();
    const registeredName = '佛山市联发精密五金(普通合伙)';
    const before = await available(rootPartId);
    const offered = await propose({ creditCode, name: '佛山市联发五金有限公司' }, '10.00');
    expect((await decide('approveVoucherTransfer', tier1Checker, offered.id)).status).toBe('PENDING_ACCEPTANCE');
    const unapproved = await propose({ creditCode, name: '佛山市联發精密五金(普通合伙)' }, '20.00');
    // The same name to a person reading it: spaces around it, and full-width brackets.
    const sameName = await propose({ creditCode, name: ' 佛山市联发精密五金（普通合伙） ' }, '30.00');
    expect(await available(rootPartId)).toBe(new Decimal(before).minus('60.00').toFixed(2));
    const ended = [offered, unapproved].map((transfer) => rowId(transfer.id));

    const registered = await registerCompany(creditCode, registeredName);
    // Ended in the registration's transaction: the holds voided, the invoices released, no part, no recipient.
    const rows = await db.prisma.voucherTransfer.findMany({ where: { id: { in: ended } }, orderBy: { amount: 'asc' } });
    expect(rows.map((row) => [row.status, row.toPartyId, row.toPartId])).toEqual([
      ['RECIPIENT_NAME_MISMATCH', null, null],
      ['RECIPIENT_NAME_MISMATCH', null, null],
    ]);
    expect(await available(rootPartId)).toBe(new Decimal(before).minus('30.00').toFixed(2));
    expect(await db.prisma.registryEntry.count({ where: { voucherTransferId: { in: ended }, releasedAt: null } })).toBe(0);
    expect((await db.prisma.ledgerHold.findMany({ where: { id: { in: rows.map((row) => row.holdId) } } })).map((hold) => hold.status)).toEqual(['VOIDED', 'VOIDED']);
    // The one named the same way is the company's.
    expect((await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(sameName.id) } })).toPartyId).toBe(registered.partyId);
    // Offered to the company at its approval, it is then in the company's inbox, and the ended ones are not.
    expect((await api.call(registered.token, INBOX)).totalCount).toBe(0);
    expect((await decide('approveVoucherTransfer', tier1Checker, sameName.id)).status).toBe('PENDING_ACCEPTANCE');
    expect((await api.call(registered.token, INBOX)).edges.map((edge: Result) => edge.node.id)).toEqual([sameName.id]);

    // Their workflows end now, not at the deadline days away, each having told the transferor once, without the registered name.
    for (const id of ended) expect(await api.temporal.workflow.getHandle(workflowIds.voucherTransfer(id)).result()).toEqual({ status: 'RECIPIENT_NAME_MISMATCH' });
    const told = await db.prisma.notification.findMany({ where: { voucherTransferId: { in: ended } } });
    expect(told.map((row) => [row.partyId, row.kind]).sort()).toEqual([
      [tier1.partyId, 'VOUCHER_TRANSFER_RECIPIENT_NAME_MISMATCH'],
      [tier1.partyId, 'VOUCHER_TRANSFER_RECIPIENT_NAME_MISMATCH'],
    ]);
    for (const row of told) expect(`${row.subject} ${row.body}`).not.toMatch(/精密/);
    // The transferor sees why; nobody else sees the offers; nothing reopens them.
    const seen = await api.call(tier1.token, `query ($id: ID!) { node(id: $id) { ... on VoucherTransfer { status recipientRegistered recipientName closedReason } } }`, { id: offered.id });
    expect(seen).toMatchObject({ status: 'RECIPIENT_NAME_MISMATCH', recipientRegistered: false, recipientName: '佛山市联发五金有限公司' });
    expect(seen.closedReason).not.toMatch(/精密/);
    for (const other of [registered, coreMaker, stranger]) expect((await api.request(other.token, NODE, { id: offered.id })).data).toEqual({ node: null });
    expect((await decide('approveVoucherTransfer', tier1Checker, unapproved.id)).code).toBe('WRONG_STATE');
    expect((await decide('cancelVoucherTransfer', tier1, unapproved.id, 'too late')).code).toBe('WRONG_STATE');

    // Proposed again with the registered name, it is an ordinary transfer to the company.
    const again = await propose({ creditCode, name: registeredName }, '10.00');
    expect(again).toMatchObject({ status: 'PENDING_APPROVAL', recipientRegistered: true, recipient: { legalName: registeredName } });
    expect((await decide('cancelVoucherTransfer', tier1, again.id, 'a test of the name')).status).toBe('CANCELLED');
    expect((await decide('refuseVoucherTransfer', registered, sameName.id, 'a test of the name')).status).toBe('REFUSED');
    expect(await available(rootPartId)).toBe(before);
  });

  it('ends an issue whose first holder registers under another name, and the voucher with it', async () => {
    const creditCode = uniqueCreditCode();
    const issued = await issue({ creditCode, name: '江门市新会区宏达塑胶厂' }, '4000.00');
    const transfer = await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: rowId(issued.id) } });
    expect((await decide('approveVoucherTransfer', coreChecker, globalId('VoucherTransfer', transfer.id))).status).toBe('PENDING_ACCEPTANCE');
    const registered = await registerCompany(creditCode, '江门市宏达塑胶有限公司');
    expect(await api.temporal.workflow.getHandle(workflowIds.voucherTransfer(transfer.id)).result()).toEqual({ status: 'RECIPIENT_NAME_MISMATCH' });
    const voucher = await db.prisma.voucher.findUniqueOrThrow({ where: { id: rowId(issued.id) }, include: { parts: true } });
    expect([voucher.status, voucher.parts.length]).toEqual(['REJECTED', 0]);
    expect((await getBalance(db.prisma, voucher.issuedAccountId)).available.toFixed(2)).toBe('0.00');
    expect((await db.prisma.notification.findMany({ where: { voucherTransferId: transfer.id } })).map((row) => [row.partyId, row.kind])).toEqual([[coreMaker.partyId, 'VOUCHER_TRANSFER_RECIPIENT_NAME_MISMATCH']]);
    expect((await api.call(registered.token, INBOX)).totalCount).toBe(0);
  });

  it('lets the workflow of an offer ended under another name find the end at its deadline when nobody told it, reopening nothing', async () => {
    const shortApi = await startTestApi(db.prisma, { taskQueue: api.taskQueue, temporalClient: api.temporal, receivableSettings: { confirmationWindowMs: 4_000, reminderOffsetsMs: [] } });
    try {
      const creditCode = uniqueCreditCode();
      const before = await available(rootPartId);
      const proposed = await propose({ creditCode, name: '惠州市鼎盛包装厂' }, '70.00', shortApi);
      expect((await decide('approveVoucherTransfer', tier1Checker, proposed.id)).status).toBe('PENDING_ACCEPTANCE');
      // The party's creation as the use case makes it, but with the workflow never signalled (Temporal unreachable at that moment).
      await insertParty(db.prisma, { legalName: '惠州市鼎盛包装有限公司', creditCode, roles: ['SUPPLIER'] }, async (tx, created) => {
        await attachWaitingTransfers(tx, created, {
          now: new Date(),
          offeredNotification: (transfer) => ({ dedupeKey: `${workflowIds.voucherTransfer(transfer.id)}:offered` }),
          nameMismatchNotification: (transfer) => ({ dedupeKey: `${workflowIds.voucherTransfer(transfer.id)}:recipient-name-mismatch` }),
        });
      });
      expect(await available(rootPartId)).toBe(before);
      const id = rowId(proposed.id);
      expect(await api.temporal.workflow.getHandle(workflowIds.voucherTransfer(id)).result()).toEqual({ status: 'RECIPIENT_NAME_MISMATCH' });
      expect((await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id } })).status).toBe('RECIPIENT_NAME_MISMATCH');
      expect((await db.prisma.notification.findMany({ where: { voucherTransferId: id } })).map((row) => [row.partyId, row.kind])).toEqual([[tier1.partyId, 'VOUCHER_TRANSFER_RECIPIENT_NAME_MISMATCH']]);
      expect(await available(rootPartId)).toBe(before);
    } finally {
      await shortApi.close();
    }
  });

  it('leaves no offer waiting for a company that registered under another name while it was proposed, whichever commits first', async () => {
    const ROUNDS = 4;
    for (let round = 0; round < ROUNDS; round += 1) {
      const company = { creditCode: uniqueCreditCode(), name: `佛山市南海区第${round + 1}五金厂` };
      const [proposed, created] = await Promise.all([
        propose({ creditCode: company.creditCode, name: `佛山市南海区第${round + 1}五金加工厂` }, '1.00'),
        api.call(operator.token, CREATE_PARTY, { input: { legalName: company.name, creditCode: company.creditCode, roles: ['SUPPLIER'] } }),
      ]);
      expect(created.__typename).toBe('Party');
      // Either the party was there first and the proposal is refused, or the proposal was and the registration ended it.
      if (proposed.__typename === 'VoucherTransfer') {
        expect((await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(proposed.id) } })).status).toBe('RECIPIENT_NAME_MISMATCH');
      } else {
        expect(proposed.code).toBe('RECIPIENT_NAME_MISMATCH');
      }
      expect(await db.prisma.voucherTransfer.count({ where: { recipientCreditCode: company.creditCode, status: { in: ['PENDING_APPROVAL', 'PENDING_ACCEPTANCE'] } } })).toBe(0);
    }
  });

  it('keeps the named recipient fixed and lets it be set only to the party with that code', async () => {
    const proposed = await propose({ creditCode: uniqueCreditCode(), name: '东莞市精工模具有限公司' }, '10.00');
    const id = rowId(proposed.id);
    await expect(db.prisma.$executeRaw`UPDATE voucher_transfer SET recipient_name = '东莞市精工模具有限公司二厂' WHERE id = ${id}::uuid`).rejects.toThrow(/never change/);
    await expect(db.prisma.$executeRaw`UPDATE voucher_transfer SET recipient_credit_code = NULL, recipient_name = NULL WHERE id = ${id}::uuid`).rejects.toThrow();
    await expect(db.prisma.$executeRaw`UPDATE voucher_transfer SET to_party_id = ${stranger.partyId}::uuid, to_part_id = ${rowId(rootPartId)}::uuid WHERE id = ${id}::uuid`).rejects.toThrow(/not for party/);
    expect((await decide('cancelVoucherTransfer', tier1, proposed.id, 'a test of the database')).status).toBe('CANCELLED');
  });

  it('lets the ledger give an owner-less claim account its owner once, and no other account a new owner', async () => {
    const claim = await openClaimAccount(db.prisma, randomUUID(), null, 'CNY');
    await db.prisma.$executeRaw`UPDATE ledger_account SET owner_party_id = ${stranger.partyId}::uuid WHERE id = ${claim.id}::uuid`;
    await expect(db.prisma.$executeRaw`UPDATE ledger_account SET owner_party_id = ${tier1.partyId}::uuid WHERE id = ${claim.id}::uuid`).rejects.toThrow(/identity cannot change/);
    const owned = (await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: rowId(rootPartId) }, include: { claimAccount: true } })).claimAccount;
    await expect(db.prisma.$executeRaw`UPDATE ledger_account SET owner_party_id = ${stranger.partyId}::uuid WHERE id = ${owned.id}::uuid`).rejects.toThrow(/identity cannot change/);
    const platform = await openAccount(db.prisma, { code: `test-suspense-${randomUUID()}`, name: 'Suspense', type: 'LIABILITY', purpose: 'SUSPENSE', currency: 'CNY' });
    await expect(db.prisma.$executeRaw`UPDATE ledger_account SET owner_party_id = ${stranger.partyId}::uuid WHERE id = ${platform.id}::uuid`).rejects.toThrow(/identity cannot change/);
  });

  it('attaches an offer proposed while its company is being registered, whichever commits first', async () => {
    const ROUNDS = 4;
    for (let round = 0; round < ROUNDS; round += 1) {
      const company = { creditCode: uniqueCreditCode(), name: `佛山市顺德区第${round + 1}五金厂` };
      const [proposed, created] = await Promise.all([
        propose(company, '1.00'),
        api.call(operator.token, CREATE_PARTY, { input: { legalName: company.name, creditCode: company.creditCode, roles: ['SUPPLIER'] } }),
      ]);
      expect(proposed.__typename).toBe('VoucherTransfer');
      expect(created.__typename).toBe('Party');
      const row = await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(proposed.id) }, include: { toPart: true } });
      expect([row.toPartyId, row.toPart?.holderPartyId, row.toPart?.tier]).toEqual([rowId(created.id), rowId(created.id), 2]);
      expect((await decide('cancelVoucherTransfer', tier1, proposed.id, 'a test of the race')).status).toBe('CANCELLED');
    }
  });

  it('expires an offer nobody registered for, gives the amount back, and attaches nothing when the company registers later', async () => {
    const shortApi = await startTestApi(db.prisma, { taskQueue: api.taskQueue, temporalClient: api.temporal, receivableSettings: { confirmationWindowMs: 4_000, reminderOffsetsMs: [1_000] } });
    try {
      const company = { creditCode: uniqueCreditCode(), name: '惠州市鼎盛包装有限公司' };
      const before = await available(rootPartId);
      const proposed = await propose(company, '2000.00', shortApi);
      expect(proposed.status).toBe('PENDING_APPROVAL');
      expect((await decide('approveVoucherTransfer', tier1Checker, proposed.id)).status).toBe('PENDING_ACCEPTANCE');
      const until = Date.now() + 20_000;
      let status = 'PENDING_ACCEPTANCE';
      while (status !== 'EXPIRED' && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(proposed.id) } })).status;
      }
      expect(status).toBe('EXPIRED');
      expect(await available(rootPartId)).toBe(before);
      // The workflow ends after its last notification: wait for the transferor's.
      const waitUntil = Date.now() + 10_000;
      let kinds: string[] = [];
      while (!kinds.includes('VOUCHER_TRANSFER_EXPIRED') && Date.now() < waitUntil) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        kinds = (await db.prisma.notification.findMany({ where: { voucherTransferId: rowId(proposed.id) } })).map((row) => row.kind);
      }
      const notified = await db.prisma.notification.findMany({ where: { voucherTransferId: rowId(proposed.id) } });
      expect(notified.map((row) => [row.partyId, row.kind])).toEqual([[tier1.partyId, 'VOUCHER_TRANSFER_EXPIRED']]);
      const late = await registerCompany(company.creditCode, company.name);
      expect((await api.call(late.token, INBOX)).totalCount).toBe(0);
      expect((await db.prisma.voucherTransfer.findUniqueOrThrow({ where: { id: rowId(proposed.id) } })).toPartyId).toBeNull();
    } finally {
      await shortApi.close();
    }
  });
});
