import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../domain/business-date';
import { ensurePlatformAccounts, openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from '../prisma/stores/voucher-distribution-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { createVoucherFixture, type VoucherFixture } from '../test/support/voucher-fixture';

// A holder of a voucher part sees its own part and the chain above it, never its siblings
// (docs/workflows/voucher.md, "Who sees what"). At maturity every part's claim is settled in the
// memo book; the holder reads that posting on its own claim account, and it must tell the holder
// nothing of the parts it may not see: not their numbers, not how many there are.

type Result = Record<string, any>;

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };
const HOUR = 60 * 60 * 1000;

const PART = `query ($id: ID!) { node(id: $id) { ... on VoucherPart { partNumber voucher { parts { partNumber } } } } }`;
const STATEMENT = `query ($id: ID!, $from: DateTime!, $to: DateTime!) {
  account(id: $id) { purpose statement(from: $from, to: $to, first: 50) { lines { transactionId code description direction amount { amount } } } } }`;
const TRANSACTION = `query ($id: ID!) { ledgerTransaction(id: $id) { code description metadata entries { direction amount { amount } } } }`;

describe("a voucher's claims settled at maturity, as one holder reads them", () => {
  let db: TestDatabase;
  let api: TestApi;
  let core: TestActor;
  let first: TestActor;
  let a: TestActor;
  let b: TestActor;
  let fixture: VoucherFixture;
  let dueDate: IsoDate;

  const at = (date: IsoDate, hours: number) => new Date(startOfBusinessDate(date).getTime() + hours * HOUR);

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    api = await startTestApi(db.prisma);
    await ensurePlatformAccounts(db.prisma);
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '广州云海智能制造集团股份有限公司' });
    await openPartyAccounts(db.prisma, { id: core.partyId, roles: ['CORE_ENTERPRISE'] });
    const holders: TestActor[] = [];
    for (const name of ['佛山一级甲有限公司', '东莞二级乙有限公司', '惠州二级丙有限公司']) {
      const holder = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: name });
      await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
      holders.push(holder);
    }
    [first, a, b] = holders as [TestActor, TestActor, TestActor];
    dueDate = addDays(businessDateOf(new Date()), 30);
    // The first holder passed 300,000.00 to A and 200,000.00 to B: A and B are siblings.
    fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: core.partyId,
      issuedByUserId: core.userId,
      dueDate,
      root: { key: 'T1', holderPartyId: first.partyId, received: '1000000.00', children: [{ key: 'A', holderPartyId: a.partyId, received: '300000.00' }, { key: 'B', holderPartyId: b.partyId, received: '200000.00' }] },
    });
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-DIST-${fixture.voucherId}`, virtualAccountNumber: fixture.collectionVan, amount: '1000000.00', currency: 'CNY', ...PAYER, receivedAt: at(dueDate, 10) });
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id, at(dueDate, 11));
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    expect((await finishVoucherDistribution(db.prisma, plan.distributionId, at(dueDate, 11))).voucherStatus).toBe('PAID');
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it("does not show a holder its sibling's part number, nor the number of parts, in the settlement of its own claim", async () => {
    // A sees the first holder's part and its own, not B's.
    const seenParts = await api.call(a.token, PART, { id: globalId('VoucherPart', fixture.parts.A!.id) });
    expect(seenParts.voucher.parts.map((part: Result) => part.partNumber)).toEqual([fixture.parts.T1!.partNumber, fixture.parts.A!.partNumber]);

    const statement = await api.call(a.token, STATEMENT, { id: globalId('LedgerAccount', fixture.parts.A!.claimAccountId), from: at(addDays(dueDate, -1), 0).toISOString(), to: at(addDays(dueDate, 2), 0).toISOString() });
    expect(statement.purpose).toBe('VOUCHER_CLAIM');
    const settled = statement.statement.lines.filter((line: Result) => line.code === 'VOUCHER_CLAIM_SETTLED');
    expect(settled).toHaveLength(1);
    const transaction = await api.call(a.token, TRANSACTION, { id: settled[0].transactionId });
    expect(transaction.entries).toEqual([{ direction: 'DEBIT', amount: { amount: '300000.00' } }]);

    // Nothing A reads of it names B's part or counts the voucher's parts.
    const read = JSON.stringify({ line: settled[0], transaction });
    expect(read).not.toContain(fixture.parts.B!.partNumber);
    expect(JSON.parse(transaction.metadata).parts).toBeUndefined();
  });
});
