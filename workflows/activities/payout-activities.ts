import type { Logger } from 'pino';
import { BankRequestRejectedError, BankTimeoutError, type BankAdapter, type PayoutInstruction } from '../../bank/bank-adapter';
import type { Actor } from '../../domain/actor';
import type { PayoutPurpose, PayoutStatus, PrismaClient } from '../../prisma/client';
import { retryPayout } from '../../prisma/stores/disbursement-store';
import { proceedsOfFinancingAwaitingRetry, recordPayoutOutcome, usedByRecourse } from '../../prisma/stores/payout-store';
import { storedAmount } from '../../prisma/stores/to-decimal';

export interface PayoutActivityDependencies {
  prisma: PrismaClient;
  logger: Logger;
  bank: BankAdapter;
}

// The payout to the supplier's bank: sent under its reference, asked about until the bank has
// finished it, and retried by a person (never automatically) after a failure or a return. Every
// activity takes `at`, the workflow's own clock, as the time of what it records.

/** 附言: what the beneficiary's statement shows for the payment. */
function remittanceOf(payout: { purpose: PayoutPurpose; payoutReference: string; financing: { financingNumber: string } | null }): string {
  switch (payout.purpose) {
    case 'DISBURSEMENT':
      if (!payout.financing) throw new Error(`disbursement payout ${payout.payoutReference} has no financing`);
      return `融资放款 ${payout.financing.financingNumber}`;
    case 'WITHDRAWAL':
      return `结算户提现 withdrawal ${payout.payoutReference}`;
    case 'FEE_SWEEP':
      return `平台服务费归集 fee sweep ${payout.payoutReference}`;
    case 'REFUND':
      return `退款 refund ${payout.payoutReference}`;
  }
}

export function createPayoutActivities({ prisma, logger, bank }: PayoutActivityDependencies) {
  const instructionOf = async (payoutId: string): Promise<{ instruction: PayoutInstruction; status: PayoutStatus }> => {
    const payout = await prisma.payout.findUniqueOrThrow({ where: { id: payoutId }, include: { financing: true } });
    return {
      status: payout.status,
      instruction: {
        payoutReference: payout.payoutReference,
        amount: storedAmount(payout.amount, payout.currency),
        currency: payout.currency,
        beneficiary: { accountName: payout.beneficiaryName, accountNumber: payout.beneficiaryAccountNumber, bankName: payout.beneficiaryBank },
        remittanceInformation: remittanceOf(payout),
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

    /** Whether recourse used all the proceeds the last failed or returned payout left: then no retry can come. */
    async proceedsUsedByRecourse(input: { financingId: string }): Promise<boolean> {
      return usedByRecourse(await proceedsOfFinancingAwaitingRetry(prisma, input.financingId));
    },

    async retryPayout(input: { financingId: string; actor: Actor; requestKey: string; at: Date }): Promise<{ payoutId: string }> {
      return { payoutId: (await retryPayout(prisma, input.actor, input.financingId, input.requestKey, input.at)).id };
    },
  };
}
