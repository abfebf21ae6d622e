import { describe, expect, it } from 'vitest';
import { WrongStateError } from './errors';
import { assertBeforeDeadline, assertDecisionAllowed, comesBefore, deadlineOf, FINANCING_DECISIONS, FINANCING_STATUSES, type FinancingDecisionKind, type FinancingStatus } from './financing-rules';

describe('financing decisions', () => {
  it('allows each decision only from its states, and names the state otherwise', () => {
    const allowed: Array<[FinancingDecisionKind, string, string]> = [];
    for (const kind of Object.keys(FINANCING_DECISIONS) as FinancingDecisionKind[]) {
      for (const status of FINANCING_STATUSES) {
        try {
          allowed.push([kind, status, assertDecisionAllowed(status, kind)]);
        } catch (error) {
          expect(error).toBeInstanceOf(WrongStateError);
          expect((error as WrongStateError).currentState).toBe(status);
          expect((error as WrongStateError).message).toContain(status);
        }
      }
    }
    expect(allowed).toEqual([
      ['ACKNOWLEDGE', 'PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL'],
      ['REFUSE', 'PENDING_ACKNOWLEDGEMENT', 'REFUSED'],
      ['APPROVE', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION'],
      ['CONFIRM_APPROVAL', 'PENDING_CONFIRMATION', 'APPROVED'],
      ['REJECT', 'PENDING_APPROVAL', 'REJECTED'],
      ['REJECT', 'PENDING_CONFIRMATION', 'REJECTED'],
      ['WITHDRAW', 'PENDING_ACKNOWLEDGEMENT', 'WITHDRAWN'],
      ['WITHDRAW', 'PENDING_APPROVAL', 'WITHDRAWN'],
      ['WITHDRAW', 'PENDING_CONFIRMATION', 'WITHDRAWN'],
      ['EXPIRE', 'PENDING_ACKNOWLEDGEMENT', 'EXPIRED'],
      ['EXPIRE', 'PENDING_APPROVAL', 'EXPIRED'],
      ['EXPIRE', 'PENDING_CONFIRMATION', 'EXPIRED'],
      ['EXPIRE', 'FUNDING_PENDING', 'EXPIRED'],
    ]);
  });

  it('orders the states of a financing’s life: each decision’s state comes after the states it is taken from, never before', () => {
    for (const rule of Object.values(FINANCING_DECISIONS)) {
      for (const from of rule.from) expect([from, rule.to, comesBefore(from, rule.to), comesBefore(rule.to, from)]).toEqual([from, rule.to, true, false]);
    }
    // The money moves on from an approval; a withdrawal never gives way to the acknowledgement or approval it followed.
    expect(comesBefore('APPROVED', 'SETTLED')).toBe(true);
    expect(comesBefore('PENDING_ACKNOWLEDGEMENT', 'PENDING_CONFIRMATION')).toBe(true);
    expect(comesBefore('WITHDRAWN', 'PENDING_APPROVAL')).toBe(false);
    expect(comesBefore('WITHDRAWN', 'PENDING_CONFIRMATION')).toBe(false);
    // Neither of two endings, nor of a payout's back and forth, comes before the other; nor a state before itself.
    const unordered: Array<[FinancingStatus, FinancingStatus]> = [['REJECTED', 'WITHDRAWN'], ['REFUSED', 'EXPIRED'], ['DISBURSING', 'PAYOUT_FAILED'], ['DISBURSED', 'PAYOUT_FAILED'], ['APPROVED', 'APPROVED']];
    for (const [a, b] of unordered) expect([a, b, comesBefore(a, b), comesBefore(b, a)]).toEqual([a, b, false, false]);
    // Nothing comes after a financing that has ended or settled.
    for (const ended of ['REJECTED', 'REFUSED', 'WITHDRAWN', 'EXPIRED', 'SETTLED'] as const) {
      expect(FINANCING_STATUSES.filter((status) => comesBefore(ended, status))).toEqual([]);
    }
  });

  it('governs each waiting state by its own deadline, refusing people at and after it but never the expiry', () => {
    const deadlines = { acknowledgementDeadline: new Date('2026-11-27T00:00:00Z'), approvalDeadline: new Date('2026-12-02T00:00:00Z') };
    expect(deadlineOf('PENDING_ACKNOWLEDGEMENT', deadlines)).toBe(deadlines.acknowledgementDeadline);
    expect(deadlineOf('PENDING_CONFIRMATION', deadlines)).toBe(deadlines.approvalDeadline);
    expect(deadlineOf('APPROVED', deadlines)).toBeNull();
    const deadline = deadlines.approvalDeadline;
    expect(() => assertBeforeDeadline('PENDING_APPROVAL', deadline, new Date(deadline.getTime() - 1), 'APPROVE')).not.toThrow();
    for (const at of [deadline.getTime(), deadline.getTime() + 1]) {
      expect(() => assertBeforeDeadline('PENDING_APPROVAL', deadline, new Date(at), 'APPROVE')).toThrow(expect.objectContaining({ code: 'DEADLINE_PASSED', currentState: 'PENDING_APPROVAL' }));
    }
    expect(() => assertBeforeDeadline('PENDING_APPROVAL', deadline, new Date(deadline.getTime() + 1), 'EXPIRE')).not.toThrow();
  });
});
