import type { Logger } from 'pino';
import { BankRequestRejectedError, BankTimeoutError, type BankAdapter, type PayoutInstruction } from '../../bank/bank-adapter';
import type { FinancingStatus, PayoutStatus, PrismaClient } from '../../prisma/client';
import { disburse, recordPayoutOutcome, reserveFunding, retryPayout, type FundingResult } from '../../prisma/stores/disbursement-store';
import type { Actor } from '../../domain/actor';
import { accruePenalty, allocateCollection, claimRecourse, type PenaltyResult, type RecourseResult } from '../../prisma/stores/servicing-store';
import { storedAmount, toDecimal } from '../../prisma/stores/to-decimal';
import type { IsoDate } from '../../domain/business-date';

export interface MoneyActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
  bank: BankAdapter;
}

export interface AllocationView {
  collected: string;
  outstandingAfter: string;
  settled: boolean;
}

// Every activity takes `at`, the workflow's own clock, and records it as the time of what it
// did: the history, the ledger and the business dates then tell the same story, also when a
// test skips days in seconds.

export function createMoneyActivities({ prisma, logger, bank }: MoneyActivityDependencies) {
  const instructionOf = async (payoutId: string): Promise<{ instruction: PayoutInstruction; status: PayoutStatus }> => {
    const payout = await prisma.payout.findUniqueOrThrow({ where: { id: payoutId }, include: { financing: true } });
    return {
      status: payout.status,
      instruction: {
        payoutReference: payout.payoutReference,
        amount: storedAmount(payout.amount, payout.currency),
        currency: payout.currency,
        beneficiary: { accountName: payout.beneficiaryName, accountNumber: payout.beneficiaryAccountNumber, bankName: payout.beneficiaryBank },
        remittanceInformation: `融资放款 ${payout.financing.financingNumber}`,
      },
    };
  };

  /** Sends (or re-sends, under the same reference) a payout and records what the bank said. */
  const submit = async (payoutId: string, at: Date): Promise<PayoutStatus> => {
    const { instruction } = await instructionOf(payoutId);
    try {
      const view = await bank.submitPayout(instruction);
      return (await recordPayoutOutcome(prisma, payoutId, { kind: 'BANK', view }, at)).status;
    } catch (error) {
      if (error instanceof BankTimeoutError) {
        // Not a failure: the bank may have taken it. It stays in transit until the bank says.
        logger.warn({ payoutReference: instruction.payoutReference }, 'payout timed out; its status is unknown until the bank answers');
        return (await recordPayoutOutcome(prisma, payoutId, { kind: 'TIMEOUT' }, at)).status;
      }
      if (error instanceof BankRequestRejectedError) return (await recordPayoutOutcome(prisma, payoutId, { kind: 'REJECTED', reason: error.message }, at)).status;
      // BankUnavailableError and anything else: the activity is retried with the same reference.
      throw error;
    }
  };

  return {
    async reserveFunding(input: { financingId: string; fundingWindowMs: number; at: Date }): Promise<FundingResult> {
      return reserveFunding(prisma, input.financingId, input.fundingWindowMs, input.at);
    },

    async disburse(input: { financingId: string; at: Date }): Promise<{ payoutId: string | null }> {
      const payout = await disburse(prisma, input.financingId, input.at);
      logger.info({ financingId: input.financingId, payoutReference: payout?.payoutReference }, 'financing disbursed');
      return { payoutId: payout?.id ?? null };
    },

    async submitPayout(input: { payoutId: string; at: Date }): Promise<PayoutStatus> {
      return submit(input.payoutId, input.at);
    },

    /**
     * Asks the bank about a payout. One the bank never received (it timed out on the way
     * there) is sent again under the same reference: the bank executes a reference once.
     */
    async checkPayout(input: { payoutId: string; at: Date }): Promise<PayoutStatus> {
      const { instruction, status } = await instructionOf(input.payoutId);
      const view = await bank.queryPayout(instruction.payoutReference);
      if (!view) return status === 'SUBMITTED' || status === 'UNKNOWN' ? submit(input.payoutId, input.at) : status;
      return (await recordPayoutOutcome(prisma, input.payoutId, { kind: 'BANK', view }, input.at)).status;
    },

    async retryPayout(input: { financingId: string; actor: Actor; requestKey: string; at: Date }): Promise<{ payoutId: string }> {
      return { payoutId: (await retryPayout(prisma, input.actor, input.financingId, input.requestKey, input.at)).id };
    },

    async accruePenalty(input: { financingId: string; today: IsoDate; at: Date }): Promise<PenaltyResult> {
      return accruePenalty(prisma, input.financingId, input.today, input.at);
    },

    async allocateCollection(input: { financingId: string; idempotencyKey: string; at: Date }): Promise<AllocationView | null> {
      const row = await allocateCollection(prisma, input.financingId, input.idempotencyKey, input.at);
      if (!row) return null;
      const { status, currency } = await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId } });
      logger.info({ financingId: input.financingId, collected: row.collected.toFixed(), outstandingAfter: row.outstandingAfter.toFixed(), status }, 'repayment allocated');
      return { collected: storedAmount(row.collected, currency), outstandingAfter: storedAmount(row.outstandingAfter, currency), settled: status === 'SETTLED' };
    },

    /** The financing's state as the database has it (for a workflow continuing as new). */
    async readFinancingStatus(input: { financingId: string }): Promise<FinancingStatus> {
      return (await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId } })).status;
    },

    async claimRecourse(input: { financingId: string; at: Date }): Promise<RecourseResult & { settled: boolean; claimedAny: boolean }> {
      const result = await claimRecourse(prisma, input.financingId, input.at);
      const { status } = await prisma.financing.findUniqueOrThrow({ where: { id: input.financingId } });
      return { ...result, settled: status === 'SETTLED', claimedAny: toDecimal(result.claimed).gt(0) };
    },
  };
}
