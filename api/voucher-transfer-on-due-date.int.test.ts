import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { getBalance } from '../prisma/stores/ledger/balances';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { uniqueInvoiceNumber } from '../test/support/receivables';
import { createVoucherFixture, type VoucherFixture } from '../test/support/voucher-fixture';
import { createVoucherHolder } from '../test/support/voucher-parties';
import type { TestActor } from '../test/support/parties';

// A voucher of 1,000,000.00 falls due today: the issuer pays it today and the platform shares
// the payment out to what each part holds. A claim falling due is paid by distribution, not
// transferred (docs/workflows/voucher.md, "Issue and transfer rules", step 2): a holder that
// offers part of it on the due date is refused with WrongStateError DEADLINE_PASSED, and nothing
// is written, nothing held on its claim (an open offer would also keep the issuer's payment from
// being shared out until the offer is decided).

const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) {
  __typename ... on VoucherTransfer { transferNumber status } ... on Error { code message } ... on WrongStateError { currentState } } }`;

describe('a voucher part offered on the voucher’s due date', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let t1: TestActor;
  let a: TestActor;
  let fixture: VoucherFixture;
  const today = businessDateOf(new Date());

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma);
    t1 = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    a = await createVoucherHolder(db.prisma, '佛山二级甲有限公司');
    fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate: today, root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00' } });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is refused with DEADLINE_PASSED, changing nothing', async () => {
    const answer = await api.call(t1.token, PROPOSE, {
      input: {
        fromPartId: globalId('VoucherPart', fixture.parts.T1!.id),
        recipientCreditCode: a.creditCode,
        contractNumber: 'CG-2026-0101',
        currency: 'CNY',
        amount: '300000.00',
        invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '300000.00', issueDate: addDays(today, -10) }],
        idempotencyKey: `due-date-${fixture.voucherId}`,
      },
    });
    expect(answer).toMatchObject({ __typename: 'WrongStateError', code: 'DEADLINE_PASSED', currentState: 'ACTIVE' });
    expect(await db.prisma.voucherTransfer.count({ where: { voucherId: fixture.voucherId } })).toBe(0);
    expect(await db.prisma.voucherPart.count({ where: { voucherId: fixture.voucherId } })).toBe(1);
    const claim = await getBalance(db.prisma, fixture.parts.T1!.claimAccountId);
    expect({ posted: claim.posted.toFixed(2), available: claim.available.toFixed(2) }).toEqual({ posted: '1000000.00', available: '1000000.00' });
  });
});
