import { describe, expect, it } from 'vitest';
import { Decimal } from './money';
import { isPastDue, voucherDefaultDate } from './voucher-default';

const owed = new Decimal('10000000.00');

describe('voucherDefaultDate', () => {
  it('is null on the due date itself: the issuer has until the end of it', () => {
    expect(isPastDue('2027-02-20', '2027-02-20')).toBe(false);
    expect(voucherDefaultDate({ dueDate: '2027-02-20', owed, paidByDueDate: new Decimal(0), today: '2027-02-20' })).toBeNull();
  });

  it('is the due date once that day ended unpaid, whichever later day asks', () => {
    expect(voucherDefaultDate({ dueDate: '2027-02-20', owed, paidByDueDate: new Decimal(0), today: '2027-02-21' })).toBe('2027-02-20');
    expect(voucherDefaultDate({ dueDate: '2027-02-20', owed, paidByDueDate: new Decimal(0), today: '2027-03-15' })).toBe('2027-02-20');
  });

  it('counts one fen short as a default and the exact amount as none', () => {
    expect(voucherDefaultDate({ dueDate: '2027-02-20', owed, paidByDueDate: new Decimal('9999999.99'), today: '2027-02-21' })).toBe('2027-02-20');
    expect(voucherDefaultDate({ dueDate: '2027-02-20', owed, paidByDueDate: new Decimal('10000000.00'), today: '2027-02-21' })).toBeNull();
    expect(voucherDefaultDate({ dueDate: '2027-02-20', owed, paidByDueDate: new Decimal('10000000.01'), today: '2027-02-21' })).toBeNull();
  });

  it('is null before the due date however little has come', () => {
    expect(voucherDefaultDate({ dueDate: '2027-02-20', owed, paidByDueDate: new Decimal(0), today: '2027-02-19' })).toBeNull();
  });
});
