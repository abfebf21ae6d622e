import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { disburse, reserveFunding } from '../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { prepareVoucherReceivable } from '../prisma/stores/voucher-financing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import type { TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture, type VoucherFixture } from '../test/support/voucher-fixture';
import { createSilentVoucherFunder, createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';

// A voucher's parts once their financings are disbursed, as each party sees them through the
// API: T1 holds 500,000.00 of 3,000,000.00 and passed 2,000,000.00 to A (financed by F2 under
// silent assignment) and 500,000.00 to B (financed by F1 under open assignment). Disbursement
// moves a claim from the holder's CLAIM account to the funder's ASSIGNED one: whoever may not
// know of an assignment must see neither the state nor a holding fallen to zero.

type Result = Record<string, any>;

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '注资' };
const PART_FIELDS = `partNumber status heldAmount { amount } holding { amount } holder { legalName }`;
const VOUCHER = `query ($id: ID!) { voucher(id: $id) { parts { ${PART_FIELDS} } } }`;
const PART = `query ($id: ID!) { node(id: $id) { ... on VoucherPart { ${PART_FIELDS} chain { partNumber status holding { amount } } } } }`;

describe('what each party sees of disbursed voucher financings', () => {
  let db: TestDatabase;
  let api: TestApi;
  let f1: FinancingParties;
  let f2: { funder: TestActor; funderChecker: TestActor; programId: string };
  let t1: TestActor;
  let a: TestActor;
  let b: TestActor;
  let fixture: VoucherFixture;

  /** A part financed store by store, as the financing workflow would do it, to disbursement. */
  async function finance(holder: TestActor, partId: string, program: { programId: string; funder: TestActor; funderChecker: TestActor }, amount: string, open: boolean) {
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId, programId: program.programId });
    const { financing } = await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: program.programId, amount, idempotencyKey: `voucher-${partId}` }, TEST_FINANCING_WINDOWS);
    const id = financing.id;
    const as = (who: TestActor) => ({ userId: who.userId, partyId: who.partyId });
    if (open) await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(f1.core), `test:${id}:acknowledge`);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, as(program.funder), `test:${id}:approve`);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, as(program.funderChecker), `test:${id}:confirm`);
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(program.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    await recordInboundCredit(db.prisma, { bankReference: `TOPUP-${id}`, virtualAccountNumber: funding.virtualAccountNumber!, amount, currency: 'CNY', ...PAYER, receivedAt: new Date() });
    expect(await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, id);
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: partId } })).toMatchObject({ status: 'FINANCED' });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    f1 = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
    f2 = await createSilentVoucherFunder(db.prisma, f1);
    const holder = (legalName: string) => createVoucherHolder(db.prisma, legalName);
    [t1, a, b] = [await holder('深圳市华强精密电子有限公司'), await holder('东莞市精工模具有限公司'), await holder('惠州市鼎盛包装有限公司')];
    fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: f1.core.partyId,
      issuedByUserId: f1.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: {
        key: 'T1',
        holderPartyId: t1.partyId,
        received: '3000000.00',
        children: [
          { key: 'A', holderPartyId: a.partyId, received: '2000000.00' },
          { key: 'B', holderPartyId: b.partyId, received: '500000.00' },
        ],
      },
    });
    await finance(a, fixture.parts.A!.id, f2, '1600000.00', false);
    await finance(b, fixture.parts.B!.id, { programId: f1.programId, funder: f1.funder, funderChecker: f1.funderChecker }, '400000.00', true);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const seen = (parts: Result[]) => Object.fromEntries(parts.map((part) => [part.holder.legalName, `${part.status} ${part.holding.amount}`]));

  it('shows the core enterprise a silently assigned part as an unassigned one, and an openly assigned one as it is', async () => {
    const voucher = await api.call(f1.core.token, VOUCHER, { id: globalId('Voucher', fixture.voucherId) });
    expect(seen(voucher.parts)).toEqual({
      深圳市华强精密电子有限公司: 'ACTIVE 500000.00',
      东莞市精工模具有限公司: 'ACTIVE 2000000.00',
      惠州市鼎盛包装有限公司: 'FINANCED 0.00',
    });
    const partA = await api.call(f1.core.token, PART, { id: globalId('VoucherPart', fixture.parts.A!.id) });
    expect(partA.chain.map((part: Result) => `${part.status} ${part.holding.amount}`)).toEqual(['ACTIVE 500000.00', 'ACTIVE 2000000.00']);
  });

  it('shows each funder its own part as financed and its chain, the holder its own, and nobody another party\'s financing', async () => {
    const ofA = await api.call(f2.funder.token, PART, { id: globalId('VoucherPart', fixture.parts.A!.id) });
    expect(ofA).toMatchObject({ status: 'FINANCED', holding: { amount: '0.00' } });
    expect(ofA.chain.map((part: Result) => part.partNumber)).toEqual([fixture.parts.T1!.partNumber, fixture.parts.A!.partNumber]);
    expect(await api.call(f2.funder.token, PART, { id: globalId('VoucherPart', fixture.parts.B!.id) })).toEqual({});
    expect(await api.call(f1.funder.token, PART, { id: globalId('VoucherPart', fixture.parts.A!.id) })).toEqual({});
    expect((await api.call(a.token, PART, { id: globalId('VoucherPart', fixture.parts.A!.id) })).status).toBe('FINANCED');
    // T1 sees the parts its transfers created, not their financings.
    const byT1 = await api.call(t1.token, VOUCHER, { id: globalId('Voucher', fixture.voucherId) });
    expect(seen(byT1.parts)).toEqual({
      深圳市华强精密电子有限公司: 'ACTIVE 500000.00',
      东莞市精工模具有限公司: 'ACTIVE 2000000.00',
      惠州市鼎盛包装有限公司: 'ACTIVE 500000.00',
    });
  });
});
