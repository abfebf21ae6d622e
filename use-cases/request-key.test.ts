import { describe, expect, it } from 'vitest';
import { requestKey } from './request-key';

const ALICE = { partyId: '0b0c6d5e-0000-4000-8000-000000000001', userId: '0b0c6d5e-0000-4000-8000-00000000000a' };
const BOB = { partyId: '0b0c6d5e-0000-4000-8000-000000000002', userId: '0b0c6d5e-0000-4000-8000-00000000000b' };
const OBJECT = '7f1e2d3c-0000-4000-8000-000000000001';

describe('requestKey', () => {
  it('is the same for a retry of the same request', () => {
    expect(requestKey('cancel', OBJECT, ALICE, 'req-1')).toBe(requestKey('cancel', OBJECT, ALICE, 'req-1'));
  });

  it('differs when the caller, the object or the operation differs, whatever request id the client sends', () => {
    const key = requestKey('cancel', OBJECT, ALICE, 'req-1');
    expect(requestKey('cancel', OBJECT, BOB, 'req-1')).not.toBe(key);
    expect(requestKey('cancel', OBJECT, { ...ALICE, userId: BOB.userId }, 'req-1')).not.toBe(key);
    expect(requestKey('cancel', '7f1e2d3c-0000-4000-8000-000000000002', ALICE, 'req-1')).not.toBe(key);
    expect(requestKey('reject', OBJECT, ALICE, 'req-1')).not.toBe(key);
  });

  it('stays short whatever the request id', () => {
    expect(requestKey('confirm_approval', OBJECT, ALICE, 'x'.repeat(64)).length).toBeLessThanOrEqual(60);
  });
});
