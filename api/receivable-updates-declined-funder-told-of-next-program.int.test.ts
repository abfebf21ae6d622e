import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { createProgram, enrollSupplier } from '../prisma/stores/program-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor } from '../test/support/parties';
import { publishEvents } from '../test/support/publish-events';
import { actorOf } from '../test/support/receivables';
import { subscribe, type SseSubscription } from '../test/support/sse';

// A supplier enrolled in two programs of two funders with the same core enterprise applies under
// the first, is declined, and applies with the same receivable under the second
// (docs/security.md, "Another funder's financing"). To the funder that declined, the receivable
// stays CONFIRMED and its history ends with its own rejection: nothing of the other program's
// financing reaches it, so its `receivableUpdated` stream, which delivers what the receivable's
// history shows it, stays silent while the other funder's application goes on.

type Result = Record<string, any>;

const RECEIVABLE_UPDATED = `subscription ($after: String) { receivableUpdated(after: $after) { id status history { toStatus reason } } }`;
const SEEN = `query ($id: ID!) { receivable(id: $id) { status history { toStatus reason } } }`;

describe('a supplier declined under one program and financed under another', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  const open: SseSubscription[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, { assignmentMode: 'OPEN' });
  }, 60_000);

  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await api?.close();
    await db?.drop();
  });

  it("sends the funder that declined no receivable update of the other program's application", async () => {
    const admin = await actorOf(db.prisma, parties.admin);
    const declining = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['MAKER', 'CHECKER'], legalName: '渤海汇金商业保理有限公司' });
    await openPartyAccounts(db.prisma, { id: declining.partyId, roles: ['FUNDER'] });
    const firstProgram = await createProgram(db.prisma, admin, { name: '渤海汇金暗保理计划', funderCreditCode: declining.creditCode, coreCreditCode: parties.core.creditCode, currency: 'CNY', terms: { ...TEST_PROGRAM_TERMS, assignmentMode: 'SILENT' } });
    const { supplier, receivable, actor } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    await enrollSupplier(db.prisma, admin, firstProgram.id, supplier.creditCode);

    const { financing: declined } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: firstProgram.id, amount: '300000.00', idempotencyKey: 'first-program' }, TEST_FINANCING_WINDOWS);
    await decideFinancing(db.prisma, declined.id, { kind: 'REJECT', reason: '授信审批未通过 credit committee declined' }, { userId: declining.userId, partyId: declining.partyId }, `reject:${declined.id}`);

    // Everything up to the rejection is published; the declining funder listens from there.
    await publishEvents(db.url);
    const after = String((await db.prisma.domainEvent.aggregate({ _max: { id: true } }))._max.id ?? 0n);
    const declinedView = await subscribe(api.url, declining.token, RECEIVABLE_UPDATED, { after });
    const supplierView = await subscribe(api.url, supplier.token, RECEIVABLE_UPDATED, { after });
    open.push(declinedView, supplierView);

    const { financing: current } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: '300000.00', idempotencyKey: 'second-program' }, TEST_FINANCING_WINDOWS);
    await publishEvents(db.url);

    // The supplier is told of its application under the second program.
    const supplierUpdates = await supplierView.waitFor(1, 10_000);
    expect(supplierUpdates.map((update) => update.data?.receivableUpdated?.status)).toEqual(['FINANCING_PENDING']);
    // The declining funder still reads the receivable as its own rejection left it.
    const body = await api.request<Record<string, Result>>(declining.token, SEEN, { id: globalId('Receivable', receivable.id) });
    expect(body.data?.receivable?.status).toBe('CONFIRMED');
    expect(JSON.stringify(body.data)).not.toContain(current.financingNumber);
    // ... and is sent nothing about it: no update of a receivable that, to it, did not change.
    const declinedUpdates = await declinedView.settle(1_500, 10_000);
    expect(declinedUpdates.map((update) => ({ status: update.data?.receivableUpdated?.status, eventId: update.extensions?.eventId }))).toEqual([]);
  });
});
