import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Decimal } from '../domain/money';
import { collectionAccountCode, partyAccountCode, platformAccountCode } from '../prisma/stores/chart-of-accounts';
import { disburse, reserveFunding } from '../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../prisma/stores/financing-store';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { decideExceptionResolution, proposeExceptionResolution } from '../prisma/stores/inbound-exception-store';
import { WrongStateError } from '../domain/errors';
import { createActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';
import { findAccountByCode } from '../prisma/stores/ledger/accounts';
import { getBalance } from '../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../prisma/stores/ledger/invariants';
import { allocateCollection } from '../prisma/stores/servicing-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { testLogger } from '../test/support/logger';
import { PAYLOAD_CONVERTER_PATH } from '../workflows/contracts/payload-converter-path';
import { deliverWakeUps } from './deliver-wake-ups';

// What happens after a credit is booked: who is woken, and where money goes that reaches a
// financing nobody services any more. Real PostgreSQL and Temporal; the financings are built
// store by store, so no workflow runs unless a test starts one.

const PAYER = { payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222020200990011223', remittanceInformation: 'repayment' };

describe('after an inbound credit is booked', () => {
  let db: TestDatabase;
  let connection: Connection;
  let temporal: Client;
  let parties: FinancingParties;

  beforeAll(async () => {
    db = await createTestDatabase();
    connection = await Connection.connect({ address: inject('temporalAddress') });
    temporal = new Client({ connection, namespace: 'default', dataConverter: { payloadConverterPath: PAYLOAD_CONVERTER_PATH } });
    parties = await createFinancingParties(db.prisma);
  });
  afterAll(async () => {
    await connection?.close();
    await db?.drop();
  });

  async function vanOf(code: string): Promise<string> {
    return (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  }

  async function posted(code: string): Promise<string> {
    return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
  }

  const credit = async (bankReference: string, virtualAccountNumber: string, amount: string) =>
    recordInboundCredit(db.prisma, { bankReference, virtualAccountNumber, amount, currency: 'CNY', ...PAYER, receivedAt: new Date() });

  /** A financing disbursed and repaid in full, store by store, as its workflow would: SETTLED. */
  async function settledFinancing(): Promise<{ financingId: string; supplierCode: string }> {
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `apply-${fixture.receivable.id}` }, TEST_FINANCING_WINDOWS);
    const id = financing.id;
    const as = (actor: { userId: string; partyId: string }) => ({ userId: actor.userId, partyId: actor.partyId });
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `test:${id}:acknowledge`);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, as(parties.funder), `test:${id}:approve`);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `test:${id}:confirm`);
    await credit(`TOPUP-${id}`, await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')), '100000.00');
    expect(await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, id);
    await credit(`REPAY-${id}`, await vanOf(collectionAccountCode(id, 'CNY')), '100000.00');
    await allocateCollection(db.prisma, id, `test:${id}:allocation`);
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id } })).status).toBe('SETTLED');
    return { financingId: id, supplierCode: partyAccountCode(fixture.supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY') };
  }

  it("parks money paid to a settled financing's collection account as unapplied cash, never paying it to the supplier", async () => {
    const { financingId, supplierCode } = await settledFinancing();
    const supplierBefore = await posted(supplierCode);
    const suspenseBefore = await posted(platformAccountCode('SUSPENSE', 'CNY'));
    const late = await credit(`LATE-${financingId}`, await vanOf(collectionAccountCode(financingId, 'CNY')), '5000.00');
    // Its workflow has ended (here it never ran): the money must still not reach the supplier.
    expect(await db.prisma.financingWakeUp.count({ where: { cause: `inbound:${late.bankReference}` } })).toBe(0);
    await deliverWakeUps({ prisma: db.prisma, temporal, logger: testLogger });

    expect(await posted(supplierCode)).toBe(supplierBefore);
    expect(await posted(collectionAccountCode(financingId, 'CNY'))).toBe('0.00');
    expect(await posted(platformAccountCode('SUSPENSE', 'CNY'))).toBe(new Decimal(suspenseBefore).plus('5000.00').toFixed(2));
    expect(await db.prisma.inboundException.findUnique({ where: { bankReference: `LATE-${financingId}` } })).toMatchObject({ reason: 'FINANCING_SETTLED', financingId, status: 'OPEN', amount: '5000.00' });
    expect((await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).surplusReturned.toFixed(2)).toBe('0.00');
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });

  it('records the wake-ups a booking calls for in its own transaction, and delivers each once', async () => {
    const { financingId } = await settledFinancing();
    // Two financings of the same funder wait for funding (as their workflows would have left them).
    const waiting = [];
    for (let index = 0; index < 2; index += 1) {
      const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
      const { financing } = await applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `wait-${index}` }, TEST_FINANCING_WINDOWS);
      waiting.push(financing.id);
    }
    await db.prisma.financing.updateMany({ where: { id: { in: waiting } }, data: { status: 'FUNDING_PENDING' } });
    await deliverWakeUps({ prisma: db.prisma, temporal, logger: testLogger });

    const topUp = await credit(`TOPUP-WAKE-${financingId}`, await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')), '50000.00');
    const recorded = await db.prisma.financingWakeUp.findMany({ where: { cause: `inbound:${topUp.bankReference}` }, orderBy: { financingId: 'asc' } });
    expect(recorded.map((row) => [row.financingId, row.signal, row.deliveredAt])).toEqual([...waiting].sort().map((id) => [id, 'FUNDING_AVAILABLE', null]));
    // A replay of the same bank line records nothing more.
    await credit(`TOPUP-WAKE-${financingId}`, await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')), '50000.00');
    expect(await db.prisma.financingWakeUp.count({ where: { cause: `inbound:${topUp.bankReference}` } })).toBe(2);

    // No workflow runs here: each wake-up is delivered to a workflow that does not exist, and marked so.
    expect(await deliverWakeUps({ prisma: db.prisma, temporal, logger: testLogger })).toEqual({ delivered: 2, ended: 2, failed: 0 });
    expect(await deliverWakeUps({ prisma: db.prisma, temporal, logger: testLogger })).toEqual({ delivered: 0, ended: 0, failed: 0 });
    const delivered = await db.prisma.financingWakeUp.findMany({ where: { cause: `inbound:${topUp.bankReference}` } });
    expect(delivered.map((row) => [row.workflowRunning, row.attempts, row.deliveredAt !== null])).toEqual([
      [false, 1, true],
      [false, 1, true],
    ]);
  });

  it("applies unapplied cash to a financing's collection account only while it still takes money, and wakes its workflow", async () => {
    const { financingId } = await settledFinancing();
    const late = await credit(`UNAPPLIED-${financingId}`, await vanOf(collectionAccountCode(financingId, 'CNY')), '700.00');
    const operator = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['MAKER'] });
    const checker = await createActor(db.prisma, { partyId: operator.partyId, userRoles: ['CHECKER'] });
    const settledCollection = (await findAccountByCode(db.prisma, collectionAccountCode(financingId, 'CNY')))!;
    // Back into the settled financing: it takes no more money.
    await expect(proposeExceptionResolution(db.prisma, await actorOf(db.prisma, operator), late.exception!.id, { accountId: settledCollection.id, note: 'the payer meant this one' })).rejects.toBeInstanceOf(WrongStateError);

    // Another financing of the same obligor, disbursed and still owed: the operators decide the money is its repayment.
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    const { financing } = await applyForFinancing(db.prisma, fixture.actor, { receivableId: fixture.receivable.id, programId: parties.programId, amount: '100000.00', idempotencyKey: `owed-${financingId}` }, TEST_FINANCING_WINDOWS);
    const as = (actor: { userId: string; partyId: string }) => ({ userId: actor.userId, partyId: actor.partyId });
    await decideFinancing(db.prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `test:${financing.id}:acknowledge`);
    await decideFinancing(db.prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), `test:${financing.id}:approve`);
    await decideFinancing(db.prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `test:${financing.id}:confirm`);
    await credit(`TOPUP-OWED-${financing.id}`, await vanOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')), '100000.00');
    expect(await reserveFunding(db.prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    await disburse(db.prisma, financing.id);
    const owedCollection = (await findAccountByCode(db.prisma, collectionAccountCode(financing.id, 'CNY')))!;
    await proposeExceptionResolution(db.prisma, await actorOf(db.prisma, operator), late.exception!.id, { accountId: owedCollection.id, note: 'the payer used the wrong collection number' });
    await decideExceptionResolution(db.prisma, await actorOf(db.prisma, checker), late.exception!.id, true);

    expect(await posted(collectionAccountCode(financing.id, 'CNY'))).toBe('700.00');
    const wakeUps = await db.prisma.financingWakeUp.findMany({ where: { cause: `inbound-exception:${late.exception!.id}` } });
    expect(wakeUps.map((row) => [row.financingId, row.signal])).toEqual([[financing.id, 'REPAYMENT_RECEIVED']]);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
