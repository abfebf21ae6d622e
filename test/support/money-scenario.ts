import { expect } from 'vitest';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import { startOfBusinessDate } from '../../domain/business-date';
import type { ProgramTermsInput } from '../../domain/program-rules';
import { partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../../prisma/stores/disbursement-store';
import { pollInboundCredits } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { getBalance } from '../../prisma/stores/ledger/balances';
import { verifyLedgerInvariants } from '../../prisma/stores/ledger/invariants';
import { trialBalance } from '../../prisma/stores/ledger/trial-balance';
import { bookInboundCredits } from '../../use-cases/book-inbound-credits';
import { workflowIds } from '../../workflows/contracts/workflow-ids';
import type { TestDatabase } from './database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable, type FinancingParties } from './financings';
import { globalId, rowId } from './global-ids';
import { testLogger } from './logger';
import type { TestActor } from './parties';
import { actorOf } from './receivables';
import type { TimeSkippingStack } from './time-skipping-stack';

// One financing's money end to end on the time-skipping server (real API, real workflow, real
// PostgreSQL, the bank simulator on the workflow's clock): the steps the servicing scenarios
// share. The case is docs/workflows/financing.md's: 800,000.00 at 6% a year, ACT/360, 90 days,
// interest up front, a 0.1% fee, penalty 0.18 a year (400.00 a day) after 3 grace days, on a
// receivable of 1,000,000.00 the core enterprise confirmed.

const DAY_MS = 24 * 60 * 60 * 1000;
const FIELDS = `__typename ... on Financing { id status } ... on Error { code message }`;
const APPLY = `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`;

export interface DisbursedFinancing {
  parties: FinancingParties;
  supplier: TestActor;
  financingId: string;
  dueDate: string;
  collectionVan: string;
  supplierCode: string;
  funderCode: string;
}

export interface MoneyScenario {
  /** The posted balance of a ledger account, by code, with two decimals. */
  balance(code: string): Promise<string>;
  virtualAccountOf(code: string): Promise<string>;
  /** A payer pays at the bank and the poller books it and wakes the workflows concerned. */
  pay(virtualAccountNumber: string, amount: string, payerName?: string): Promise<void>;
  /** The bank receives the money and the poller books it, but the wake-up never reaches the workflow. */
  payWithoutWakeUp(virtualAccountNumber: string, amount: string): Promise<void>;
  /**
   * The bank reports today a credit it received `daysEarlier` days ago (a late statement line),
   * and the poller books it and wakes the workflows: its value date is the day it was received.
   */
  payValueDated(virtualAccountNumber: string, amount: string, daysEarlier: number): Promise<void>;
  /** Lets the workflow's clock run to `hours` past the start of a business date. */
  sleepUntil(date: string, hours?: number): Promise<void>;
  /** From application to the disbursed, paid-out financing (or to `until`): the funder tops up first unless told not to, two of its users approve. */
  disbursed(terms?: Partial<ProgramTermsInput>, until?: string, options?: { funderToppedUp?: boolean }): Promise<DisbursedFinancing>;
  /** Lets the workflow's clock run a minute at a time, at most 40, until the financing has the status. */
  reached(financingId: string, status: string): Promise<void>;
  /** The run's end state, whichever run of the workflow ends it. */
  settledWorkflow(financingId: string): Promise<{ status: string }>;
  expectLedgerWhole(): Promise<void>;
}

export function moneyScenario(db: TestDatabase, { env, bank, api }: TimeSkippingStack): MoneyScenario {
  const inbound = () => bookInboundCredits({ prisma: db.prisma, bank, temporal: env.client, logger: testLogger });
  const virtualAccountOf = async (code: string) => (await findAccountByCode(db.prisma, code))!.virtualAccountNumber!;
  const credit = (virtualAccountNumber: string, amount: string, payerName = '广州云海智能制造集团股份有限公司') => ({
    virtualAccountNumber,
    amount,
    currency: 'CNY',
    payerName,
    payerAccountNumber: '6222020200112233',
    remittanceInformation: 'test',
  });

  const scenario: MoneyScenario = {
    async balance(code) {
      return (await getBalance(db.prisma, (await findAccountByCode(db.prisma, code))!.id)).posted.toFixed(2);
    },
    virtualAccountOf,
    async pay(virtualAccountNumber, amount, payerName) {
      await bank.receiveInboundCredit(credit(virtualAccountNumber, amount, payerName));
      await inbound();
    },
    async payWithoutWakeUp(virtualAccountNumber, amount) {
      await bank.receiveInboundCredit(credit(virtualAccountNumber, amount));
      await pollInboundCredits(db.prisma, bank);
    },
    async payValueDated(virtualAccountNumber, amount, daysEarlier) {
      // The same bank, whose clock reads the receipt time: the line is listed after every credit
      // already read, so the poller books it now, with the earlier value date.
      const late = new BankSimulator({ pool: db.url, clock: async () => new Date((await env.currentTimeMs()) - daysEarlier * DAY_MS) });
      try {
        await late.receiveInboundCredit(credit(virtualAccountNumber, amount));
      } finally {
        await late.close();
      }
      await inbound();
    },
    async sleepUntil(date, hours = 10) {
      const target = startOfBusinessDate(date).getTime() + hours * 60 * 60 * 1000;
      const now = await env.currentTimeMs();
      if (target > now) await env.sleep(target - now);
    },
    async disbursed(terms = {}, until = 'DISBURSED', { funderToppedUp = true } = {}) {
      const parties = await createFinancingParties(db.prisma, { penaltyRate: '0.18', ...terms });
      const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
      await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
      const funderCode = partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY');
      if (funderToppedUp) await scenario.pay(await virtualAccountOf(funderCode), '1000000.00', '前海恒信商业保理有限公司');
      const applied = await api.call(supplier.token, APPLY, {
        input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: 'apply' },
      });
      expect(applied.__typename, JSON.stringify(applied)).toBe('Financing');
      await api.call(parties.core.token, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, { id: applied.id });
      await api.call(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, { id: applied.id });
      await api.call(parties.funderChecker.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, { id: applied.id });
      const financingId = rowId(applied.id);
      await scenario.reached(financingId, until);
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId }, include: { collectionAccount: true } });
      return {
        parties,
        supplier,
        financingId,
        dueDate: financing.dueDate.toISOString().slice(0, 10),
        collectionVan: financing.collectionAccount!.virtualAccountNumber!,
        supplierCode: partyAccountCode(financing.supplierPartyId, 'SUPPLIER_SETTLEMENT', 'CNY'),
        funderCode,
      };
    },
    async reached(financingId, status) {
      // The payout is asked about after 30 s, then less and less often.
      for (let step = 0; (await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } })).status !== status; step += 1) {
        if (step === 40) throw new Error(`the financing did not reach ${status}`);
        await env.sleep(60_000);
      }
    },
    async settledWorkflow(financingId) {
      return (await env.client.workflow.getHandle(workflowIds.financing(financingId)).result()) as { status: string };
    },
    async expectLedgerWhole() {
      expect((await trialBalance(db.prisma, 'CNY')).balanced).toBe(true);
      expect((await trialBalance(db.prisma, 'CNY', 'MEMO')).balanced).toBe(true);
      expect(await verifyLedgerInvariants(db.prisma)).toEqual([]);
    },
  };
  return scenario;
}
