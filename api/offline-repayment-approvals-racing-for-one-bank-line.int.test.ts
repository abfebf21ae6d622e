import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { disburseDirectly, createFinancingParties } from '../test/support/financings';
import { rowId } from '../test/support/global-ids';
import { createActor } from '../test/support/parties';

// Two offline receipts of the same amount on one financing, recorded by one operator and
// approved by two checkers at the same moment, while the bank feed has booked one line of that
// amount to the collection account. An approval is matched to a booked line when there is one,
// else it waits for its line (docs/ledger.md, "Offline receipts"): one of the two takes
// the line, the other stays APPROVED. Each checker gets the receipt back as a typed answer; an
// approval that lost the line to the other must not end as an internal error that undid it.

const OFFLINE = `__typename ... on OfflineRepayment { id status matchedCredit { bankReference } } ... on Error { code message }`;
const RECORD = `mutation ($input: OfflineRepaymentInput!) { recordOfflineRepayment(input: $input) { ${OFFLINE} } }`;
const APPROVE = `mutation ($id: ID!) { approveOfflineRepayment(id: $id) { ${OFFLINE} } }`;
const NOTE = '核心企业线下电汇两笔 two wires paid outside the bank feed';

describe('two checkers approving offline receipts that match the same booked bank line at once', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('answers both approvals: one receipt matched to the line, the other approved and still expected', async () => {
    const parties = await createFinancingParties(db.prisma);
    const maker = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
    const checkers = [await createActor(db.prisma, { partyId: maker.partyId, userRoles: ['CHECKER'] }), await createActor(db.prisma, { partyId: maker.partyId, userRoles: ['CHECKER'] })];
    const { financingGid, collectionCode } = await disburseDirectly(db.prisma, parties, '800000.00');
    const virtualAccountNumber = (await findAccountByCode(db.prisma, collectionCode))!.virtualAccountNumber!;

    // The feed booked one wire of 50,000.00 under a reference of its own.
    const line = await recordInboundCredit(db.prisma, { bankReference: 'BANK-20260515-0001', virtualAccountNumber, amount: '50000.00', currency: 'CNY', payerName: '广州云海', payerAccountNumber: '6222020200112233', remittanceInformation: '还款', receivedAt: new Date() });
    expect(line.credit).toMatchObject({ outcome: 'MATCHED' });
    const receipts: string[] = [];
    for (const bankReference of ['RCPT-0515-A', 'RCPT-0515-B']) {
      const recorded = await api.call(maker.token, RECORD, { input: { financingId: financingGid, amount: '50000.00', bankReference, note: NOTE } });
      expect(recorded).toMatchObject({ __typename: 'OfflineRepayment', status: 'PENDING' });
      receipts.push(recorded.id as string);
    }

    // Both approvals look for the line before either has committed: the line is held until both
    // are waiting to record their match, as two requests arriving together are served.
    const answers = await db.prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM inbound_credit WHERE id = ${line.credit.id}::uuid FOR UPDATE`;
        const sent = receipts.map((id, index) => api.request(checkers[index]!.token, APPROVE, { id }));
        await expect
          .poll(async () => {
            const [{ waiting }] = await db.prisma.$queryRaw<[{ waiting: number }]>`
              SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%offline_repayment%'`;
            return waiting;
          }, { timeout: 10_000 })
          .toBe(2);
        return sent;
      },
      { timeout: 20_000 },
    );
    const bodies = await Promise.all(answers);

    const rows = await db.prisma.offlineRepayment.findMany({ where: { id: { in: receipts.map(rowId) } }, orderBy: { bankReference: 'asc' } });
    expect({
      errors: bodies.flatMap((body) => (body.errors ?? []).map((error) => error.extensions?.code)),
      answered: bodies.map((body) => (body.data?.approveOfflineRepayment as { __typename?: string } | undefined)?.__typename ?? null),
      statuses: rows.map((row) => row.status).sort(),
      matchedToTheLine: rows.filter((row) => row.matchedCreditId === line.credit.id).length,
    }).toEqual({ errors: [], answered: ['OfflineRepayment', 'OfflineRepayment'], statuses: ['APPROVED', 'MATCHED'], matchedToTheLine: 1 });
  });
});
