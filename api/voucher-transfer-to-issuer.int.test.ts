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

// A part transferred to the voucher's own issuer would make the core enterprise hold a claim on
// itself: it could finance what it owes itself, and its payment at maturity would come back to
// it through the collection account. A holder at any tier that offers part of its part to the
// issuer is refused with ValidationError VOUCHER_TRANSFER_TO_ISSUER on the recipient's credit
// code, however the code is spelt, and nothing is written, nothing held on its claim.

const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) {
  __typename ... on VoucherTransfer { transferNumber status } ... on Error { code message } ... on ValidationError { issues { path } } } }`;

describe('a voucher part offered to the voucher’s issuer', () => {
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
    fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(today, 60),
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00', children: [{ key: 'A', holderPartyId: a.partyId, received: '300000.00' }] },
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const offerToIssuer = (holder: TestActor, partKey: string, recipient: { recipientCreditCode: string; recipientName?: string }) =>
    api.call(holder.token, PROPOSE, {
      input: {
        fromPartId: globalId('VoucherPart', fixture.parts[partKey]!.id),
        ...recipient,
        contractNumber: 'CG-2026-0101',
        currency: 'CNY',
        amount: '100000.00',
        invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '100000.00', issueDate: addDays(today, -10) }],
        idempotencyKey: `to-issuer-${partKey}-${uniqueInvoiceNumber()}`,
      },
    });

  it.each([
    ['the first holder, by the issuer’s credit code', 'T1', () => ({ recipientCreditCode: parties.core.creditCode })],
    ['the first holder, by the code in lower case and spaced, with the issuer’s name', 'T1', () => ({ recipientCreditCode: ` ${parties.core.creditCode.toLowerCase()} `, recipientName: '广州云海智能制造集团股份有限公司' })],
    ['a tier-2 holder', 'A', () => ({ recipientCreditCode: parties.core.creditCode })],
  ])('is refused with VOUCHER_TRANSFER_TO_ISSUER from %s, changing nothing', async (_case, partKey, recipient) => {
    const holder = partKey === 'T1' ? t1 : a;
    const answer = await offerToIssuer(holder, partKey, recipient());
    expect(answer).toMatchObject({ __typename: 'ValidationError', code: 'VOUCHER_TRANSFER_TO_ISSUER', issues: [{ path: ['input', 'recipientCreditCode'] }] });
    expect(await db.prisma.voucherTransfer.count({ where: { voucherId: fixture.voucherId } })).toBe(0);
    expect(await db.prisma.voucherPart.count({ where: { voucherId: fixture.voucherId } })).toBe(2);
    expect(await db.prisma.voucherPart.count({ where: { voucherId: fixture.voucherId, holderPartyId: parties.core.partyId } })).toBe(0);
    const claim = await getBalance(db.prisma, fixture.parts[partKey]!.claimAccountId);
    const held = fixture.parts[partKey]!.held;
    expect({ posted: claim.posted.toFixed(2), available: claim.available.toFixed(2) }).toEqual({ posted: held, available: held });
  });
});
