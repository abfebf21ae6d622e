import { z } from 'zod';
import { PayoutPurpose as PayoutPurposeValues } from '../../prisma/generated/client/enums';
import { isOperator } from '../../domain/actor';
import { ConflictError, LimitExceededError, WrongStateError } from '../../domain/errors';
import { withdrawableBalance, type WithdrawableBalance } from '../../prisma/stores/balance-payout-store';
import { visiblePayoutsWhere } from '../../prisma/stores/visibility';
import { resumePayout } from '../../use-cases/resume-payout';
import { sweepFeeIncome } from '../../use-cases/sweep-fee-income';
import { requestWithdrawal } from '../../use-cases/request-withdrawal';
import { builder } from '../builder';
import { LOOKUP_ERRORS } from '../errors';
import { rowIdOf } from '../global-id';
import { Money, money, queryCurrency } from '../money';

// Balances paid out of the escrow to their owner's own bank account (docs/workflows/balance-payout.md):
// a supplier's withdrawal of its settlement account, the platform's sweep of its fee income.
// Both are Payouts, like a financing's, and follow the same rules at the bank.

const PayoutPurposeEnum = builder.enumType('PayoutPurpose', {
  values: Object.values(PayoutPurposeValues),
  description: "DISBURSEMENT: a financing's proceeds to its supplier. WITHDRAWAL: a supplier's settlement balance to its own bank account. FEE_SWEEP: the platform's fee income to the platform's own bank account. REFUND: money held in suspense for a payer (an inbound exception) back to the payer's account.",
});

const PayoutAttention = builder.objectRef<{ step: string; reason: string; since: Date }>('PayoutAttention').implement({
  description: "A step of a withdrawal's or fee sweep's workflow that did not complete within its bound (a bank call): it waits for an operator to resume it.",
  fields: (t) => ({
    step: t.exposeString('step'),
    reason: t.exposeString('reason', { description: 'The last failure, as the step reported it.' }),
    since: t.field({ type: 'DateTime', resolve: (attention) => attention.since }),
  }),
});

builder.prismaObjectFields('Payout', (t) => ({
  purpose: t.field({ type: PayoutPurposeEnum, resolve: (payout) => payout.purpose }),
  returnedAmount: t.field({
    type: Money,
    nullable: true,
    description: "What the beneficiary's bank sent back, once RETURNED: all of the amount, or part of it (the rest stayed paid).",
    resolve: (payout) => (payout.returnedAmount === null ? null : money(payout.returnedAmount, payout.currency)),
  }),
  attention: t.field({
    type: PayoutAttention,
    nullable: true,
    description: 'Operators only (null for everyone else): the step a withdrawal or fee sweep waits at for an operator.',
    resolve: (payout, _args, ctx) =>
      isOperator(ctx.viewer) && payout.attentionStep !== null && payout.attentionReason !== null && payout.attentionSince !== null
        ? { step: payout.attentionStep, reason: payout.attentionReason, since: payout.attentionSince }
        : null,
  }),
}));

const WithdrawableBalanceRef = builder.objectRef<WithdrawableBalance>('WithdrawableBalance').implement({
  description: 'What a supplier can withdraw from its settlement account now.',
  fields: (t) => ({
    available: t.field({ type: Money, description: 'The settlement account\'s available balance.', resolve: (b) => money(b.available, b.currency) }),
    awaitingPayoutRetry: t.field({
      type: Money,
      description: 'Part of `available` that a failed or returned disbursement payout left to be paid again (retryPayout): not withdrawable.',
      resolve: (b) => money(b.awaitingPayoutRetry, b.currency),
    }),
    withdrawable: t.field({ type: Money, resolve: (b) => money(b.withdrawable, b.currency) }),
  }),
});

const currencyArg = z.string().max(8);

builder.queryFields((t) => ({
  withdrawableBalance: t.field({
    type: WithdrawableBalanceRef,
    nullable: true,
    description: "Your party's settlement account in this currency: available, held for payout retries, withdrawable. Null when it has none.",
    args: { currency: t.arg.string({ validate: currencyArg }) },
    resolve: (_root, { currency }, ctx) => {
      return withdrawableBalance(ctx.prisma, ctx.viewer.partyId, queryCurrency(currency.trim().toUpperCase(), ['currency'], JSON.stringify(currency)));
    },
  }),
  balancePayouts: t.prismaConnection({
    type: 'Payout',
    cursor: 'id',
    nullable: true,
    description: 'Withdrawals and fee sweeps you may see, newest first: a supplier its own withdrawals; operators every withdrawal and sweep.',
    totalCount: (_root, _args, ctx) => ctx.prisma.payout.count({ where: { AND: [{ purpose: { in: ['WITHDRAWAL', 'FEE_SWEEP'] } }, visiblePayoutsWhere(ctx.viewer)] } }),
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.payout.findMany({ ...query, where: { AND: [{ purpose: { in: ['WITHDRAWAL', 'FEE_SWEEP'] } }, visiblePayoutsWhere(ctx.viewer)] }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
}));

const WithdrawalInput = builder.inputType('WithdrawalInput', {
  fields: (t) => ({
    amount: t.string({ description: 'A decimal string with at most the currency\'s decimals, e.g. "10000.00"; at most what `withdrawableBalance` says.', validate: z.string().max(64) }),
    currency: t.string({ validate: currencyArg }),
    idempotencyKey: t.string({ description: 'Chosen by the client; repeating the request with the same key returns the same payout.', validate: z.string().max(400) }),
  }),
});

const FeeSweepInput = builder.inputType('FeeSweepInput', {
  fields: (t) => ({
    amount: t.string({ required: false, description: 'A decimal string; absent, all the fee income there is.', validate: z.string().max(64) }),
    currency: t.string({ validate: currencyArg }),
    idempotencyKey: t.string({ description: 'Chosen by the client; repeating the request with the same key returns the same payout.', validate: z.string().max(400) }),
  }),
});

const BALANCE_PAYOUT_ERRORS = [...LOOKUP_ERRORS, LimitExceededError, ConflictError] as const;

builder.mutationFields((t) => ({
  requestWithdrawal: t.prismaField({
    type: 'Payout',
    description:
      "Withdraws (提现) from your supplier party's settlement account to its registered payout account in its own name (a supplier's MAKER or ADMIN). Paid out like a disbursement: one reference, a timeout is not a failure, a return comes back to the account.",
    errors: { types: [...BALANCE_PAYOUT_ERRORS] },
    args: { input: t.arg({ type: WithdrawalInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { payoutId } = await requestWithdrawal(ctx, ctx.viewer, input);
      return ctx.prisma.payout.findUniqueOrThrow({ ...query, where: { id: payoutId } });
    },
  }),
  sweepFeeIncome: t.prismaField({
    type: 'Payout',
    description: "Sweeps the platform's fee income out of the escrow bank account to the platform's own registered payout account (a platform MAKER or ADMIN), so customer and platform money are never mixed at the bank.",
    errors: { types: [...BALANCE_PAYOUT_ERRORS] },
    args: { input: t.arg({ type: FeeSweepInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { payoutId } = await sweepFeeIncome(ctx, ctx.viewer, { ...input, amount: input.amount ?? null });
      return ctx.prisma.payout.findUniqueOrThrow({ ...query, where: { id: payoutId } });
    },
  }),
  resumePayout: t.prismaField({
    type: 'Payout',
    description: "Runs again the step a withdrawal's or fee sweep's workflow is waiting at (attention), once its cause is fixed (platform operators). WrongStateError when nothing waits.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError] },
    args: { id: t.arg.globalID() },
    resolve: async (query, _root, { id }, ctx) => {
      await resumePayout(ctx, ctx.viewer, rowIdOf(id, 'Payout'));
      return ctx.prisma.payout.findUniqueOrThrow({ ...query, where: { id: rowIdOf(id, 'Payout') } });
    },
  }),
}));
