import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf, startOfBusinessDate, type IsoDate } from '../domain/business-date';
import { openPartyAccounts, partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { disburse, reserveFunding } from '../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { finishVoucherDistribution, planVoucherDistribution, postVoucherDistributionBatch } from '../prisma/stores/voucher-distribution-store';
import { prepareVoucherReceivable } from '../prisma/stores/voucher-financing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { createVoucherFixture, type VoucherFixture } from '../test/support/voucher-fixture';
import { VOUCHER_PROGRAM_TERMS } from '../test/support/voucher-parties';

// The issuer of a voucher pays its collection account (到期还款专户) at maturity, and the platform
// distributes the money to the parts. A part financed under silent assignment (暗保理) must look
// to the issuer like any other part: the issuer's own account is debited for every share, and
// what it reads of those postings must not say that a share went to a financing.

type Result = Record<string, any>;

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: '凭证到期兑付' };
const HOUR = 60 * 60 * 1000;

const STATEMENT = `query ($id: ID!, $from: DateTime!, $to: DateTime!) {
  account(id: $id) { purpose statement(from: $from, to: $to, first: 50) { lines { transactionId code description direction amount { amount } } } } }`;
const TRANSACTION = `query ($id: ID!) { ledgerTransaction(id: $id) { code description idempotencyKey metadata entries { direction amount { amount } } } }`;

describe('a voucher distribution, as the issuer reads it, when a part is financed under silent assignment', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let holder: TestActor;
  let fixture: VoucherFixture;
  let financingId: string;
  let dueDate: IsoDate;

  const at = (date: IsoDate, hours: number) => new Date(startOfBusinessDate(date).getTime() + hours * HOUR);

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, { ...VOUCHER_PROGRAM_TERMS, assignmentMode: 'SILENT' });
    holder = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '珠海三级戊有限公司' });
    await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
    dueDate = addDays(businessDateOf(new Date()), 30);
    fixture = await createVoucherFixture(db.prisma, { issuerPartyId: parties.core.partyId, issuedByUserId: parties.core.userId, dueDate, root: { key: 'P', holderPartyId: holder.partyId, received: '1000000.00' } });

    // The holder finances its part under silent assignment: the issuer is never asked.
    const applicant = await actorOf(db.prisma, holder);
    const receivable = await prepareVoucherReceivable(db.prisma, applicant, { partId: fixture.parts.P!.id, programId: parties.programId });
    const { financing } = await applyForFinancing(db.prisma, applicant, { receivableId: receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: `silent-${fixture.parts.P!.id}` }, TEST_FINANCING_WINDOWS);
    financingId = financing.id;
    expect(financing.status).toBe('PENDING_APPROVAL');
    await decideFinancing(db.prisma, financingId, { kind: 'APPROVE' }, { userId: parties.funder.userId, partyId: parties.funder.partyId }, `test:${financingId}:approve`);
    await decideFinancing(db.prisma, financingId, { kind: 'CONFIRM_APPROVAL' }, { userId: parties.funderChecker.userId, partyId: parties.funderChecker.partyId }, `test:${financingId}:confirm`);
    const funding = (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!;
    await recordInboundCredit(db.prisma, { bankReference: `TOPUP-${financingId}`, virtualAccountNumber: funding.virtualAccountNumber!, amount: '800000.00', currency: 'CNY', ...PAYER, receivedAt: new Date() });
    expect(await reserveFunding(db.prisma, financingId, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, financingId);

    // The issuer pays in full on the due date; the platform distributes it.
    const booked = await recordInboundCredit(db.prisma, { bankReference: `VCH-DIST-${fixture.voucherId}`, virtualAccountNumber: fixture.collectionVan, amount: '1000000.00', currency: 'CNY', ...PAYER, receivedAt: at(dueDate, 10) });
    const plan = await planVoucherDistribution(db.prisma, booked.credit.id, at(dueDate, 11));
    for (let batch = 0; batch < plan.batches; batch += 1) await postVoucherDistributionBatch(db.prisma, plan.distributionId, batch);
    expect((await finishVoucherDistribution(db.prisma, plan.distributionId, at(dueDate, 11))).voucherStatus).toBe('PAID');
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it("does not tell the issuer, through its collection account's statement or the distribution's ledger transaction, that the part's share went to a financing", async () => {
    // The issuer reads its own 到期还款专户, as any account it owns.
    const statement = await api.call(parties.core.token, STATEMENT, { id: globalId('LedgerAccount', fixture.collectionAccountId), from: at(addDays(dueDate, -1), 0).toISOString(), to: at(addDays(dueDate, 2), 0).toISOString() });
    expect(statement.purpose).toBe('COLLECTION');
    const debits = statement.statement.lines.filter((line: Result) => line.direction === 'DEBIT');
    expect(debits.length).toBeGreaterThan(0);
    const seen = [];
    for (const line of debits) seen.push({ line, transaction: await api.call(parties.core.token, TRANSACTION, { id: line.transactionId }) });

    // What it is shown of each share is what a part nobody financed shows: a VOUCHER_DISTRIBUTION,
    // naming no financing.
    expect(debits.map((line: Result) => line.code)).toEqual(debits.map(() => 'VOUCHER_DISTRIBUTION'));
    expect(JSON.stringify(seen)).not.toContain(financingId);
    expect(JSON.stringify(seen)).not.toMatch(/FINANCED|financingId/);
  });
});
