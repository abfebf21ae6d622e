import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { createProgram } from '../prisma/stores/program-store';
import { prepareVoucherReceivable } from '../prisma/stores/voucher-financing-store';
import { decideVoucherTransfer, proposeVoucherTransfer } from '../prisma/stores/voucher-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture } from '../test/support/voucher-fixture';
import { createVoucherHolder, VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';

// Silent assignment (暗保理) of a voucher part: whatever the issuer can ask answers what it would
// with no financing (docs/security.md, "Silent assignment"). The issuer may know of a part's
// receivable: an open application told it (it acknowledged the notice), and that financing
// ended before disbursement, leaving the receivable CONFIRMED. The holder then passed part of
// its part on, and later applies to a funder in secret. What the issuer reads of the receivable
// it knows must not change because of that secret application.
//
// Figures: T1's part holds 1,000,000.00. T1 applies under the funder's open program for
// 800,000.00; the issuer acknowledges, the funder rejects. T1 transfers 400,000.00 to A (held
// 600,000.00). T1 applies under the same funder's silent program for 480,000.00 (80%).

const RECEIVABLE = `query ($id: ID!) { receivable(id: $id) { status closedReason history { fromStatus toStatus reason } } }`;

describe("a holder's secret application after an open one ended and the part was split", () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let silentProgramId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
    const silent = await createProgram(db.prisma, await actorOf(db.prisma, parties.admin), {
      name: '云海凭证隐蔽保理计划',
      funderCreditCode: parties.funder.creditCode,
      coreCreditCode: parties.core.creditCode,
      currency: 'CNY',
      terms: { ...TEST_PROGRAM_TERMS, ...VOUCHER_PROGRAM_TERMS, assignmentMode: 'SILENT' },
    });
    silentProgramId = silent.id;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('leaves what the issuer reads of the receivable it knows as it was', async () => {
    const t1 = await createVoucherHolder(db.prisma, '佛山一级庚电器有限公司');
    const t1Checker = await createActor(db.prisma, { partyId: t1.partyId, userRoles: ['CHECKER'] });
    const a = await createVoucherHolder(db.prisma, '佛山二级辛塑料有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00' },
    });
    const partId = fixture.parts.T1!.id;
    const applicant = await actorOf(db.prisma, t1);
    const as = (who: TestActor) => ({ userId: who.userId, partyId: who.partyId });
    const apply = async (programId: string, amount: string) => {
      const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId, programId });
      return (await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId, amount, idempotencyKey: randomUUID() }, TEST_FINANCING_WINDOWS)).financing;
    };

    // The open application: the issuer is told and acknowledges; the funder rejects it.
    const open = await apply(parties.programId, '800000.00');
    await decideFinancing(db.prisma, open.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `test:${open.id}:acknowledge`);
    await decideFinancing(db.prisma, open.id, { kind: 'REJECT', reason: 'not now' }, as(parties.funder), `test:${open.id}:reject`);

    // T1 passes 400,000.00 on to A.
    const offer = { recipientCreditCode: a.creditCode, recipientName: null, amount: new Decimal('400000.00'), currency: 'CNY' as const, contractNumber: 'CG-2026-0417', invoices: [], documentHashes: [], idempotencyKey: randomUUID() };
    const { transfer } = await proposeVoucherTransfer(db.prisma, applicant, partId, offer, randomUUID(), randomUUID(), { acceptanceWindowMs: 7 * 86_400_000 });
    await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'APPROVE' }, as(t1Checker));
    expect(await decideVoucherTransfer(db.prisma, transfer.id, { kind: 'ACCEPT' }, as(a))).toMatchObject({ status: 'ACCEPTED' });

    const issuerReads = () => api.call(parties.core.token, RECEIVABLE, { id: globalId('Receivable', open.receivableId) });
    const before = await issuerReads();
    expect(before.status).toBeDefined();

    // The secret application, for 80% of the 600,000.00 T1 still holds.
    const secret = await apply(silentProgramId, '480000.00');
    expect(secret.status).toBe('PENDING_APPROVAL');
    expect(await issuerReads()).toEqual(before);
  });
});
