import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../../domain/business-date';
import { WrongStateError } from '../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { actorOf } from '../../test/support/receivables';
import { createVoucherFixture, type VoucherFixture } from '../../test/support/voucher-fixture';
import { createVoucherHolder, settlementPosted, VOUCHER_PROGRAM_TERMS } from '../../test/support/voucher-parties';
import { applyForFinancing } from './financing-store';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from './voucher-distribution-store';
import { prepareVoucherReceivable } from './voucher-financing-store';

// A part of a voucher that an instalment of the issuer has already paid in part cannot be
// financed. A part is financed whole (its whole held amount is assigned to the funder), and
// what the issuer has already paid on it is its holder's: a funder advancing against the whole
// held amount would be owed money the holder has already received, and at the next instalment
// either the funder would be short or the holder paid twice. So the application is refused with
// a typed error (WRONG_STATE, saying how much of the part the issuer has paid), before anything is
// written: no receivable of the part, and nothing of the part, its claim or the payments moves.
// The rest of the claim stays the holder's and is paid to it by the next instalment.
//
// Only a payment before the due date can do this: a payment is shared out as soon as it arrives,
// while an application on or after the due date is refused anyway (the financing's due date is
// the voucher's: no tenor is left, TENOR_NOT_POSITIVE), so the issuer pays early, in part.
//
// Figures: a voucher of 1,000,000.00 due in 60 days; holder A received it and passed 400,000.00
// on to B (A holds 600,000.00, B 400,000.00). The issuer pays 500,000.00 early: A is paid
// 300,000.00, B 200,000.00; the voucher stays ACTIVE, B's part ACTIVE with 200,000.00 still
// owed on it. B applies to finance its part at 320,000.00 (80% of what it holds): refused. The
// issuer then pays the other 500,000.00: B is paid its last 200,000.00, the voucher is PAID.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证分期兑付' };

describe('financing a voucher part that an instalment has already paid in part', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let credits = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, VOUCHER_PROGRAM_TERMS);
  });
  afterAll(async () => {
    if (db) expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    await db?.drop();
  });

  /** One instalment of the issuer, booked and shared out as the workflow does it. */
  async function payInstalment(fixture: VoucherFixture, amount: string) {
    credits += 1;
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-INST-${fixture.voucherId}-${credits}`, virtualAccountNumber: fixture.collectionVan, amount, currency: 'CNY', ...PAYER, receivedAt: new Date() });
    expect(booked.exception).toBeNull();
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id);
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    return finishVoucherDistribution(db.prisma, plan.distributionId);
  }

  async function claimOf(partId: string) {
    const account = (await findAccountByCode(db.prisma, `voucher-part:${partId}:CLAIM:CNY`))!;
    const balance = await getBalance(db.prisma, account.id);
    return { posted: balance.posted.toFixed(2), debitsPending: balance.debitsPending.toFixed(2) };
  }

  it('refuses the application with a typed error and moves nothing, and the next instalment pays the holder the rest of its claim', async () => {
    const a = await createVoucherHolder(db.prisma, '佛山一级甲有限公司');
    const b = await createVoucherHolder(db.prisma, '佛山二级乙有限公司');
    const fixture = await createVoucherFixture(db.prisma, {
      issuerPartyId: parties.core.partyId,
      issuedByUserId: parties.core.userId,
      dueDate: addDays(businessDateOf(new Date()), 60),
      root: { key: 'A', holderPartyId: a.partyId, received: '1000000.00', children: [{ key: 'B', holderPartyId: b.partyId, received: '400000.00' }] },
    });
    const partB = fixture.parts.B!.id;

    // The early instalment: half of the voucher, shared out pro rata.
    expect((await payInstalment(fixture, '500000.00')).voucherStatus).toBe('ACTIVE');
    expect([await settlementPosted(db.prisma, a.partyId), await settlementPosted(db.prisma, b.partyId)]).toEqual(['300000.00', '200000.00']);
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: partB } })).toMatchObject({ status: 'ACTIVE' });
    expect(await claimOf(partB)).toEqual({ posted: '200000.00', debitsPending: '0.00' });

    // B applies to finance its part: refused, a typed error the API answers as such.
    const applicant = await actorOf(db.prisma, b);
    const receivablesOfPart = () => db.prisma.receivable.count({ where: { voucherPartId: partB } });
    expect(await receivablesOfPart()).toBe(0);
    const refusal = await (async () => {
      const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: partB, programId: parties.programId });
      return applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: parties.programId, amount: '320000.00', idempotencyKey: `voucher-after-instalment-${partB}` }, TEST_FINANCING_WINDOWS);
    })().then(
      () => null,
      (error: unknown) => error,
    );
    // The part's state is wrong for a financing, and the holder is told why: no transfer holds
    // any of it, so an error that waits for one to end would leave the holder waiting for ever.
    expect(refusal).toBeInstanceOf(WrongStateError);
    expect(refusal).toMatchObject({ code: 'WRONG_STATE' });
    expect((refusal as WrongStateError).message).toMatch(/has been paid 200000\.00 of 400000\.00 CNY by the issuer's payments/);

    // No receivable of the part was made: none overstating a claim half paid, none CONFIRMED.
    expect(await receivablesOfPart()).toBe(0);

    // Nothing moved: no financing, the part ACTIVE, its claim the holder's with nothing held for a funder.
    expect(await db.prisma.financing.count({ where: { receivable: { voucherPartId: partB } } })).toBe(0);
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: partB } })).toMatchObject({ status: 'ACTIVE' });
    expect(await claimOf(partB)).toEqual({ posted: '200000.00', debitsPending: '0.00' });
    expect(await db.prisma.ledgerAccount.count({ where: { code: { startsWith: `voucher-part:${partB}:ASSIGNED:` } } })).toBe(0);
    expect(await settlementPosted(db.prisma, b.partyId)).toBe('200000.00');

    // The rest of the voucher: B is paid the rest of its claim, to its own account, once.
    expect((await payInstalment(fixture, '500000.00')).voucherStatus).toBe('PAID');
    expect([await settlementPosted(db.prisma, a.partyId), await settlementPosted(db.prisma, b.partyId)]).toEqual(['600000.00', '400000.00']);
    expect(await claimOf(partB)).toEqual({ posted: '0.00', debitsPending: '0.00' });
    expect(await db.prisma.voucherPart.findUniqueOrThrow({ where: { id: partB } })).toMatchObject({ status: 'PAID' });
  });
});
