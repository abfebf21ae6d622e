import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actor';
import { addDays, businessDateOf, startOfBusinessDate } from '../../domain/business-date';
import { ValidationError } from '../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import { createActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder } from '../../test/support/voucher-parties';
import { partyAccountCode } from './chart-of-accounts';
import { decideExceptionResolution, proposeExceptionResolution } from './inbound-exception-store';
import { receiveInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { recordVoucherDefault } from './voucher-default-store';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch, undistributedVoucherCredits } from './voucher-distribution-store';

// The issuer pays a voucher in full on its due date, but to a mistyped virtual account number:
// the bank received the money that day, the platform parked it, and operators apply it to the
// voucher's collection account the next morning, as they would for a financing's repayment.

const HOUR_MS = 60 * 60 * 1000;

describe('a voucher whose due-date payment was parked and applied the next day', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let maker: Actor;
  let checker: Actor;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma);
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], legalName: '深圳前海供应链平台运营有限公司' });
    maker = await actorOf(db.prisma, operator);
    checker = await actorOf(db.prisma, await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] }));
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  it('is not in default: the bank received the whole amount on the due date', async () => {
    const today = businessDateOf(new Date());
    const dueDate = addDays(today, -1);
    const t1 = await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司');
    const a = await createVoucherHolder(db.prisma, '佛山二级甲有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate,
      root: { key: 'T1', holderPartyId: t1.partyId, received: '1000000.00', children: [{ key: 'A', holderPartyId: a.partyId, received: '600000.00' }] },
    });
    // Due date, 15:00 Shanghai: 1,000,000.00 reaches the bank, paid to a number one digit off.
    const booked = await receiveInboundCredit(db.prisma, {
      bankReference: `VCH-WRONG-VAN-${fixture.voucherId}`,
      virtualAccountNumber: `${fixture.collectionVan.slice(0, -1)}${fixture.collectionVan.endsWith('9') ? '0' : '9'}`,
      amount: '1000000.00',
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: `凭证到期兑付 ${fixture.voucherNumber}`,
      receivedAt: new Date(startOfBusinessDate(dueDate).getTime() + 15 * HOUR_MS),
    });
    expect(booked.exception).toMatchObject({ reason: 'UNKNOWN_ACCOUNT' });
    // The next morning operators apply it, four eyes, to the voucher's collection account.
    await proposeExceptionResolution(db.prisma, maker, booked.exception!.id, { accountId: fixture.collectionAccountId, note: '付款人账号填错，凭证到期兑付款 paid to a mistyped number' });
    await decideExceptionResolution(db.prisma, checker, booked.exception!.id, true);

    // The daily default scan for today.
    const outcome = await recordVoucherDefault(db.prisma, fixture.voucherId, today);
    expect(outcome.defaultedOn).toBeNull();
    expect(await db.prisma.voucher.findUniqueOrThrow({ where: { id: fixture.voucherId }, select: { status: true, defaultedOn: true } })).toEqual({ status: 'ACTIVE', defaultedOn: null });

    // And the money is shared out to the holders as that credit, like one the feed booked there.
    expect(await undistributedVoucherCredits(db.prisma)).toContainEqual({ inboundCreditId: booked.credit!.id, voucherId: fixture.voucherId });
    const plan = await planVoucherDistribution(db.prisma, booked.credit!.id);
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    expect((await finishVoucherDistribution(db.prisma, plan.distributionId)).voucherStatus).toBe('PAID');
    const settlement = async (partyId: string) => (await getBalance(db.prisma, (await findAccountByCode(db.prisma, partyAccountCode(partyId, 'SUPPLIER_SETTLEMENT', 'CNY')))!.id)).posted.toFixed(2);
    expect({ T1: await settlement(t1.partyId), A: await settlement(a.partyId) }).toEqual({ T1: '400000.00', A: '600000.00' });
    expect(await undistributedVoucherCredits(db.prisma)).not.toContainEqual(expect.objectContaining({ inboundCreditId: booked.credit!.id }));
  });

  it('refuses to apply to a voucher\'s collection account money that is not a whole bank credit, changing nothing', async () => {
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 10),
      root: { key: 'T1', holderPartyId: (await createVoucherHolder(db.prisma, '广州云海一级供应商有限公司')).partyId, received: '1000000.00' },
    });
    // A statement line the feed never reported, parked by an operator: no credit of its own.
    const exception = await db.prisma.inboundException.create({
      data: { bankReference: `STMT-${fixture.voucherId}`, reason: 'RECONCILIATION', detail: 'statement line', virtualAccountNumber: '9999000011112222', amount: '1000.00', currency: 'CNY', payerName: '某公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'x', receivedAt: new Date(), heldAmount: '1000.00' },
    });
    const before = await db.prisma.inboundException.findUniqueOrThrow({ where: { id: exception.id } });
    const error = await proposeExceptionResolution(db.prisma, maker, exception.id, { accountId: fixture.collectionAccountId, note: 'apply' }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('VOUCHER_TAKES_WHOLE_CREDITS');
    expect(await db.prisma.inboundException.findUniqueOrThrow({ where: { id: exception.id } })).toEqual(before);
  });
});
