import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { changedTables, databaseFingerprint } from '../test/support/database-fingerprint';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';

// An operator back-dating a manual adjustment types the year wrong: "0000-01-01T00:00:00Z" is
// an ISO 8601 instant JavaScript reads, but no business time the ledger can hold (PostgreSQL
// has no year 0). Bad input must get a clear, typed refusal naming effectiveAt, and record
// nothing; never "Unexpected error.".

const PROPOSE = `mutation ($input: ProposeLedgerAdjustmentInput!) { proposeLedgerAdjustment(input: $input) {
  __typename ... on LedgerAdjustment { id status } ... on ValidationError { issues { path message } } ... on Error { code message } } }`;

describe('proposeLedgerAdjustment back-dated to the year 0', () => {
  let db: TestDatabase;
  let api: TestApi;
  let operator: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is refused, naming effectiveAt, instead of answering INTERNAL_SERVER_ERROR', async () => {
    const parties = await createFinancingParties(db.prisma);
    operator = await createActor(db.prisma, { partyId: parties.admin.partyId, userRoles: ['MAKER'] });
    const suspense = await db.prisma.ledgerAccount.findFirstOrThrow({ where: { purpose: 'SUSPENSE', currency: 'CNY', closedAt: null } });
    const funding = await db.prisma.ledgerAccount.findFirstOrThrow({ where: { ownerPartyId: parties.funder.partyId, purpose: 'FUNDER_FUNDING', currency: 'CNY' } });
    const before = await databaseFingerprint(db.prisma);

    const answer = await api.request<{ proposeLedgerAdjustment: Record<string, any> | null }>(operator.token, PROPOSE, {
      input: {
        reason: 'a top-up credited to suspense by mistake',
        effectiveAt: '0000-01-01T00:00:00Z',
        entries: [
          { accountId: globalId('LedgerAccount', suspense.id), direction: 'DEBIT', amount: '100.00', currency: 'CNY' },
          { accountId: globalId('LedgerAccount', funding.id), direction: 'CREDIT', amount: '100.00', currency: 'CNY' },
        ],
      },
    });

    const codes = (answer.errors ?? []).map((error) => error.extensions?.code);
    // Today: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }], from PostgreSQL's "date/time field value out of range".
    expect(codes, JSON.stringify(answer.errors)).not.toContain('INTERNAL_SERVER_ERROR');
    const result = answer.data?.proposeLedgerAdjustment ?? null;
    expect(result?.__typename).not.toBe('LedgerAdjustment');
    // The refusal says which field is wrong: a ValidationError on input.effectiveAt, or a GraphQL error naming it.
    const named = result?.__typename === 'ValidationError' ? (result.issues as Array<{ path: string[] }>).some((issue) => issue.path.join('.') === 'input.effectiveAt') : (answer.errors ?? []).some((error) => error.message.includes('effectiveAt'));
    expect(named, JSON.stringify(answer)).toBe(true);
    expect(changedTables(before, await databaseFingerprint(db.prisma))).toEqual([]);
  });
});
