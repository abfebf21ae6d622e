import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../client';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, TEST_FINANCING_WINDOWS, type FinancingParties } from '../../test/support/financings';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf, registerDirectly } from '../../test/support/receivables';
import { openPartyAccounts, partyAccountCode } from './chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding } from './disbursement-store';
import { recordPayoutOutcome } from './payout-store';
import { applyForFinancing, decideFinancing } from './financing-store';
import { recordInboundCredit } from './inbound-store';
import { findAccountByCode } from './ledger/accounts';
import { getBalance } from './ledger/balances';
import { verifyLedgerInvariants } from './ledger/invariants';
import { trialBalance } from './ledger/trial-balance';
import { enrollSupplier } from './program-store';
import { decideReceivable } from './receivable-store';

// Disbursement, a payout's return and inbound booking, raced on one supplier's accounts. Each
// makes several ledger calls in one database transaction; if each call locked only its own
// accounts, a disbursement (holding the supplier's account, wanting payouts-in-transit) and a
// return (holding payouts-in-transit, wanting the supplier's account) would deadlock, and
// PostgreSQL would break the tie after a second by aborting one of them. With every
// transaction locking all its accounts up front in one global order (by id), none ever waits
// for another in a cycle: the database counts no deadlock at all.

const ROUNDS = 12;
const PRINCIPAL = '40000.00';
/** The advance of one financing of PRINCIPAL for 90 days at 6% up front, less the 0.1% fee: what its payout carries. */
const PAYOUT_AMOUNT = '39360.00';

describe('one global lock order for the ledger calls of a database transaction', () => {
  let db: TestDatabase;
  let parties: FinancingParties;
  let supplier: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    parties = await createFinancingParties(db.prisma, { supplierLimit: '10000000.00', programLimit: '10000000.00', obligorLimit: '10000000.00' });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '深圳市华强精密电子有限公司' });
    await openPartyAccounts(db.prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplier.creditCode);
    await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' });
    await recordInboundCredit(db.prisma, {
      bankReference: 'FUNDER-TOPUP',
      virtualAccountNumber: (await findAccountByCode(db.prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')))!.virtualAccountNumber!,
      amount: '5000000.00',
      currency: 'CNY',
      payerName: '前海恒信商业保理有限公司',
      payerAccountNumber: '6222020200990011223',
      remittanceInformation: 'top-up',
      receivedAt: new Date(),
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** One of the supplier's financings, approved and funded: ready to disburse. */
  async function fundedFinancing(key: string): Promise<string> {
    const actor = await actorOf(db.prisma, supplier);
    const receivable = await registerDirectly(db.prisma, supplier, parties.core.creditCode);
    await decideReceivable(db.prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `test:${receivable.id}:confirm`);
    const { financing } = await applyForFinancing(db.prisma, actor, { receivableId: receivable.id, programId: parties.programId, amount: PRINCIPAL, idempotencyKey: key }, TEST_FINANCING_WINDOWS);
    const id = financing.id;
    const as = (who: TestActor) => ({ userId: who.userId, partyId: who.partyId });
    await decideFinancing(db.prisma, id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(Date.now() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `test:${id}:acknowledge`);
    await decideFinancing(db.prisma, id, { kind: 'APPROVE' }, as(parties.funder), `test:${id}:approve`);
    await decideFinancing(db.prisma, id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `test:${id}:confirm`);
    expect(await reserveFunding(db.prisma, id, TEST_FINANCING_WINDOWS.fundingWindowMs)).toEqual({ reserved: true });
    return id;
  }

  /** Deadlocks PostgreSQL has counted in this database, once every backend of `client` has ended and reported. */
  async function deadlocksAfter(client: PrismaClient): Promise<number> {
    await client.$disconnect();
    const deadline = performance.now() + 10_000;
    while ((await db.query<{ count: string }>(`SELECT count(*)::text AS count FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'lock-order-race'`)).rows[0]!.count !== '0') {
      if (performance.now() > deadline) throw new Error('the racing connections did not end');
      await new Promise((resume) => setTimeout(resume, 50));
    }
    const { rows } = await db.query<{ deadlocks: string }>(`SELECT pg_stat_clear_snapshot(), (SELECT deadlocks::text FROM pg_stat_database WHERE datname = current_database()) AS deadlocks`);
    return Number(rows[0]!.deadlocks);
  }

  it(`races ${ROUNDS} disbursements, payout returns and inbound credits on one supplier without a single deadlock`, { timeout: 180_000 }, async () => {
    const rounds: Array<{ disbursing: string; returning: string; payoutId: string; payoutReference: string }> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const returning = await fundedFinancing(`returning-${round}`);
      const payout = await disburse(db.prisma, returning);
      rounds.push({ disbursing: await fundedFinancing(`disbursing-${round}`), returning, payoutId: payout!.id, payoutReference: payout!.payoutReference });
    }
    const settlementCode = partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY');
    const settlement = (await findAccountByCode(db.prisma, settlementCode))!;
    const before = await db.query<{ deadlocks: string }>(`SELECT deadlocks::text FROM pg_stat_database WHERE datname = current_database()`);

    // Its own connections, so that their deadlock counts are reported when they end.
    const racing = createPrismaClient({ databaseUrl: `${db.url}?application_name=lock-order-race`, poolMax: 12 });
    for (const [round, { disbursing, payoutId, payoutReference }] of rounds.entries()) {
      const returned = { payoutReference, status: 'RETURNED' as const, amount: PAYOUT_AMOUNT, currency: 'CNY', bankReference: `BANK-${payoutReference}`, failureReason: null, settledAt: new Date(), failedAt: null, returnedAt: new Date(), returnReason: '账户已销户 account closed' };
      await Promise.all([
        disburse(racing, disbursing),
        recordPayoutOutcome(racing, payoutId, { kind: 'BANK', view: returned }),
        recordInboundCredit(racing, { bankReference: `SUPPLIER-IN-${round}`, virtualAccountNumber: settlement.virtualAccountNumber!, amount: '1.00', currency: 'CNY', payerName: '深圳市华强精密电子有限公司', payerAccountNumber: '6222020200112233445', remittanceInformation: 'race', receivedAt: new Date() }),
      ]);
    }
    expect((await deadlocksAfter(racing)) - Number(before.rows[0]!.deadlocks)).toBe(0);

    // Every outcome is the real one: each disbursement paid out, each return booked back, each credit in.
    const payouts = await db.prisma.payout.findMany({ where: { financingId: { in: rounds.flatMap((round) => [round.disbursing, round.returning]) } } });
    expect(payouts.filter((payout) => payout.status === 'SUBMITTED')).toHaveLength(ROUNDS);
    expect(payouts.filter((payout) => payout.status === 'RETURNED')).toHaveLength(ROUNDS);
    // The returned payouts' money is back in the supplier's account, with the credits: ROUNDS × (39,360.00 + 1.00).
    expect((await getBalance(db.prisma, settlement.id)).posted.toFixed(2)).toBe((39361 * ROUNDS).toFixed(2));
    expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
    expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
  });
});
