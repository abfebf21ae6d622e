import { describe, expect, it } from 'vitest';
import { reserveHold } from '../prisma/stores/ledger/holds';
import { startTestApi } from '../test/support/api';
import { globalId } from '../test/support/global-ids';
import { createActor } from '../test/support/parties';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// An approval of RECOVER that the account's available money does not hold is answered over the
// API as the typed error the schema and docs/reconciliation.md promise (LimitExceededError,
// EXCEEDS_AVAILABLE_BALANCE), not as an unexpected error.
//
// Day 1: a funder tops up 1,000,000.00 and then 50,000.00 (both booked by the feed, 1,050,000.00
// in its funding account); the bank reverses the 50,000.00 (冲正) and its statement shows a
// BANK_ONLY reversal of −50,000.00. Before the statement came, the funder committed 1,000,000.01
// of its money (a hold), so the import could freeze only 49,999.99 of the reversed amount. Day 2:
// an operator proposes RECOVER (−50,000.00) through `proposeReconciliationItemResolution`, and
// another approves through `approveReconciliationItemResolution`: the approval is refused and
// nothing moves. The checker must be told why, with a code a program can act on (write the
// shortage off, or wait): an error result, as docs/errors.md says every expected failure of a
// mutation is, not a GraphQL error in `errors` with `data` null, outside the result types a client
// is built to read.

describe('approving RECOVER over the API when the account does not hold the money', () => {
  it('answers LimitExceededError EXCEEDS_AVAILABLE_BALANCE and moves nothing', async () => {
    const w = await reconciliationWorld(84);
    const api = await startTestApi(w.db.prisma);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const wrong = await w.credit(w.at(d1, 11), w.funding.virtualAccountNumber!, '50000.00');
      w.clock.now = w.at(d1, 15);
      await w.bank.reverseInboundCredit(wrong.bankReference);
      await reserveHold(w.db.prisma, { idempotencyKey: 'recover-typed-error-hold', code: 'TEST_RESERVATION', debitAccountId: w.funding.id, creditAccountId: w.platform.SUSPENSE.id, amount: '1000000.01', currency: 'CNY' }, w.at(d1, 16));
      await w.playDay(d1);
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { kind: 'INBOUND_CREDIT_REVERSAL' } });
      const id = globalId('ReconciliationItem', item.id);

      const maker = await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['MAKER'] });
      const checker = await createActor(w.db.prisma, { partyId: w.operatorActor.partyId, userRoles: ['CHECKER'] });
      const proposed = await api.call(
        maker.token,
        `mutation Propose($id: ID!, $input: ProposeReconciliationItemResolutionInput!) {
          proposeReconciliationItemResolution(id: $id, input: $input) { __typename ... on ReconciliationItem { status pendingResolution { kind status } } ... on Error { code message } }
        }`,
        { id, input: { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正，向资金方追回' } },
      );
      expect(proposed).toMatchObject({ __typename: 'ReconciliationItem', pendingResolution: { kind: 'RECOVER', status: 'PROPOSED' } });

      const answer = await api.request<{ approveReconciliationItemResolution: Record<string, unknown> | null }>(
        checker.token,
        `mutation Approve($id: ID!) { approveReconciliationItemResolution(id: $id) { __typename ... on ReconciliationItem { status } ... on Error { code message } } }`,
        { id },
      );
      expect({ errors: answer.errors?.map((error) => [error.extensions?.code, error.message]), result: answer.data?.approveReconciliationItemResolution ?? null }).toEqual({
        errors: undefined,
        result: { __typename: 'LimitExceededError', code: 'EXCEEDS_AVAILABLE_BALANCE', message: expect.any(String) },
      });
      expect(await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({ status: 'OPEN', bookedTransactionId: null });
      expect(await w.balance(w.funding.code)).toBe('1050000.00');
    } finally {
      await api.close();
      await w.drop();
    }
  });
});
