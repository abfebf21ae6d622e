import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { uniqueInvoiceNumber } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// Financing a voucher part through the API over real HTTP, with the acceptance and financing
// workflows on the Temporal dev server: a voucher issued, accepted and split through the API,
// the tier-2 holder financing its part under a silent program of the issuer that admits voucher
// holders, the funder's list, and the issuer's maturity calendar, which names nobody.

type Result = Record<string, any>;

const ERRORS = `... on Error { __typename code message }`;
const TRANSFER = `__typename ... on VoucherTransfer { id status toPart { id } } ${ERRORS}`;
const ISSUE = `mutation ($input: IssueVoucherInput!) { issueVoucher(input: $input) { __typename ... on Voucher { id parts { id } } ${ERRORS} } }`;
const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) { ${TRANSFER} } }`;
const DECIDE = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${TRANSFER} } }`;
const APPLY = `mutation ($input: ApplyForVoucherFinancingInput!) { applyForVoucherFinancing(input: $input) { __typename ... on Financing { id financingNumber status principal { amount currency } receivable { faceAmount { amount } } } ${ERRORS} } }`;
const PART = `query ($id: ID!) { node(id: $id) { ... on VoucherPart { status heldAmount { amount } } } }`;
const FINANCED = `{ vouchersFinanced(first: 10) { totalCount edges { node { voucherNumber dueDate amount { amount currency } part { id partNumber status } financing { id status principal { amount } } } } } }`;
const CALENDAR = `query ($from: Date) { voucherMaturityCalendar(from: $from) { dueDate owed { amount currency } paid { amount } outstanding { amount } voucherCount vouchers { voucherNumber status amount { amount } paid { amount } collectionAccount { bankName accountName virtualAccountNumber } } } }`;

describe('voucher financing API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  let coreChecker: TestActor;
  let tier1: TestActor;
  let tier1Checker: TestActor;
  let tier2: TestActor;
  let stranger: TestActor;
  const today = businessDateOf(new Date());
  const dueDate = addDays(today, 90);

  let voucherId: string;
  let voucherNumber: string;
  let tier2PartId: string;
  let financingId: string;
  const key = `vf-${uniqueInvoiceNumber()}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    parties = await createFinancingParties(db.prisma, {
      assignmentMode: 'SILENT',
      programLimit: '20000000.00',
      obligorLimit: '20000000.00',
      admitsVoucherHolders: true,
      voucherHolderLimit: '5000000.00',
    });
    coreChecker = await createActor(db.prisma, { partyId: parties.core.partyId, userRoles: ['CHECKER'] });
    tier1 = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    tier1Checker = await createActor(db.prisma, { partyId: tier1.partyId, userRoles: ['CHECKER'] });
    tier2 = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '东莞市精工模具有限公司' });
    stranger = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '珠海市远航物流有限公司' });
    for (const holder of [tier1, tier2, stranger]) await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  const invoice = (amount: string) => ({ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount, issueDate: addDays(today, -10) });
  const decide = async (name: string, by: TestActor, id: string) => (await api.call(by.token, DECIDE(name), { id })).status as string;
  const apply = (by: TestActor, partId: string, idempotencyKey = key, amount = '1600000.00') =>
    api.call(by.token, APPLY, { input: { partId, programId: globalId('Program', parties.programId), amount, idempotencyKey } });

  it('issues, accepts and splits a voucher through the API', async () => {
    const issued = await api.call(parties.core.token, ISSUE, {
      input: { holderCreditCode: tier1.creditCode, contractNumber: 'HT-2026-0815', currency: 'CNY', amount: '3000000.00', dueDate, invoices: [invoice('3000000.00')], idempotencyKey: `issue-${uniqueInvoiceNumber()}` },
    });
    expect(issued.__typename).toBe('Voucher');
    voucherId = issued.id;
    const issueTransfer = await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: rowId(voucherId) } });
    expect(await decide('approveVoucherTransfer', coreChecker, globalId('VoucherTransfer', issueTransfer.id))).toBe('PENDING_ACCEPTANCE');
    expect(await decide('acceptVoucherTransfer', tier1, globalId('VoucherTransfer', issueTransfer.id))).toBe('ACCEPTED');
    const proposed = await api.call(tier1.token, PROPOSE, {
      input: { fromPartId: issued.parts[0].id, recipientCreditCode: tier2.creditCode, contractNumber: 'CG-2026-0101', currency: 'CNY', amount: '2000000.00', invoices: [invoice('2000000.00')], idempotencyKey: `t-${uniqueInvoiceNumber()}` },
    });
    expect(proposed.status).toBe('PENDING_APPROVAL');
    expect(await decide('approveVoucherTransfer', tier1Checker, proposed.id)).toBe('PENDING_ACCEPTANCE');
    expect(await decide('acceptVoucherTransfer', tier2, proposed.id)).toBe('ACCEPTED');
    tier2PartId = proposed.toPart.id;
    voucherNumber = (await db.prisma.voucher.findUniqueOrThrow({ where: { id: rowId(voucherId) } })).voucherNumber;
  });

  it("refuses another party's part as not found, changing nothing", async () => {
    const refused = await apply(stranger, tier2PartId, `other-${uniqueInvoiceNumber()}`);
    expect(refused.code).toBe('NOT_FOUND');
    const byIssuer = await apply(tier1, tier2PartId, `other-${uniqueInvoiceNumber()}`);
    expect(byIssuer.code).toBe('NOT_FOUND');
    expect(await db.prisma.financing.count()).toBe(0);
    expect((await api.call(tier2.token, PART, { id: tier2PartId })).status).toBe('ACTIVE');
  });

  it('lets the holder apply: a financing of its part, which is FINANCING now', async () => {
    const applied = await apply(tier2, tier2PartId);
    expect(applied.__typename).toBe('Financing');
    expect(applied.status).toBe('PENDING_APPROVAL');
    expect(applied.principal).toEqual({ amount: '1600000.00', currency: 'CNY' });
    expect(applied.receivable.faceAmount.amount).toBe('2000000.00');
    financingId = applied.id;
    expect(await api.call(tier2.token, PART, { id: tier2PartId })).toEqual({ status: 'FINANCING', heldAmount: { amount: '2000000.00' } });
  });

  it('answers a repeat with the same key with the same financing, once', async () => {
    const [first, second] = await Promise.all([apply(tier2, tier2PartId), apply(tier2, tier2PartId)]);
    expect([first.id, second.id]).toEqual([financingId, financingId]);
    expect(await db.prisma.financing.count({ where: { supplierPartyId: tier2.partyId } })).toBe(1);
    expect((await apply(tier2, tier2PartId, key, '1000000.00')).code).toBe('IDEMPOTENCY_KEY_REUSED');
    // A new key for the same part finds it taken by the first application.
    expect((await apply(tier2, tier2PartId, `again-${uniqueInvoiceNumber()}`)).code).toBe('WRONG_STATE');
  });

  it("lists the part in the funder's vouchersFinanced, and in nobody else's", async () => {
    const financed = await api.call(parties.funder.token, FINANCED);
    expect(financed.totalCount).toBe(1);
    expect(financed.edges[0].node).toEqual({
      voucherNumber,
      dueDate,
      amount: { amount: '2000000.00', currency: 'CNY' },
      part: { id: tier2PartId, partNumber: `${voucherNumber}-0002`, status: 'FINANCING' },
      financing: { id: financingId, status: 'PENDING_APPROVAL', principal: { amount: '1600000.00' } },
    });
    for (const other of [tier2, parties.core, stranger]) expect((await api.call(other.token, FINANCED)).totalCount).toBe(0);
  });

  it("shows the issuer what it owes on the due date and where to pay it, and not to whom", async () => {
    const voucher = await db.prisma.voucher.findUniqueOrThrow({ where: { id: rowId(voucherId) }, include: { collectionAccount: true } });
    const van = voucher.collectionAccount!.virtualAccountNumber!;
    const booked = await recordInboundCredit(db.prisma, {
      bankReference: `VCH-PAY-${uniqueInvoiceNumber()}`,
      virtualAccountNumber: van,
      amount: '1000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: '凭证到期兑付',
      receivedAt: new Date(),
    });
    expect(booked.exception).toBeNull();
    const response = await api.request(parties.core.token, CALENDAR, { from: today });
    expect(response.errors).toBeUndefined();
    expect((response.data as Result).voucherMaturityCalendar).toEqual([
      {
        dueDate,
        owed: { amount: '3000000.00', currency: 'CNY' },
        paid: { amount: '1000.00' },
        outstanding: { amount: '2999000.00' },
        voucherCount: 1,
        vouchers: [{ voucherNumber, status: 'ACTIVE', amount: { amount: '3000000.00' }, paid: { amount: '1000.00' }, collectionAccount: { bankName: expect.any(String), accountName: expect.any(String), virtualAccountNumber: van } }],
      },
    ]);
    const body = JSON.stringify(response);
    for (const name of ['深圳市华强精密电子有限公司', '东莞市精工模具有限公司', '前海恒信商业保理有限公司']) expect(body).not.toContain(name);
    // Only its own vouchers: a holder's calendar is empty.
    expect(await api.call(tier2.token, CALENDAR, { from: today })).toEqual([]);
    expect(await api.call(parties.core.token, CALENDAR, { from: addDays(dueDate, 1) })).toEqual([]);
  });
});
