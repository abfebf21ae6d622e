import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actor';
import { addDays, businessDateOf, startOfBusinessDate } from '../../domain/business-date';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import { createActor } from '../../test/support/parties';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder } from '../../test/support/voucher-parties';
import { decideExceptionResolution, proposeExceptionResolution } from './inbound-exception-store';
import { receiveInboundCredit } from './inbound-store';
import { verifyLedgerInvariants } from './ledger/invariants';
import { recordVoucherDefault } from './voucher-default-store';

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
  });
});
