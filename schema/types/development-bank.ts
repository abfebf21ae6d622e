import { z } from 'zod';
import { BankRequestRejectedError } from '../../bank/bank-adapter';
import { SIMULATED_BEHAVIOURS } from '../../bank/simulator/bank-simulator';
import { assertPermitted } from '../../domain/actor';
import { ConflictError, ForbiddenError, ValidationError } from '../../domain/errors';
import { validateAmount } from '../../domain/ledger-rules';
import { formatAmount } from '../../domain/money';
import { builder } from '../builder';
import { queryCurrency } from '../money';
import type { GraphQLContext } from '../context';
import { COMMON_ERRORS } from '../errors';

// Development only: tools to play the bank from GraphiQL: send money in, take a credit back as
// the bank's reversal, and tell the simulated bank how to treat the next payouts. This module is loaded only by
// developmentSchema() in schema/index.ts, which the API uses only when the simulator is the
// bank; a production process never loads it, so these mutations are not in its schema at all
// (schema/schema.graphql), and their printed form is schema/development-bank.graphql.

const ScriptBehaviourEnum = builder.enumType('SimulatedPayoutBehaviour', { values: [...SIMULATED_BEHAVIOURS] });

const BankScript = builder.objectRef<{ behaviour: string; times: number }>('BankScript').implement({
  description: 'A behaviour the simulated bank will apply to the next payouts.',
  fields: (t) => ({ behaviour: t.exposeString('behaviour'), times: t.exposeInt('times') }),
});

const BankReversal = builder.objectRef<{ bankReference: string; reversedAt: Date }>('BankReversal').implement({
  description: "The simulated bank's reversal (冲正) of a credit: a debit line on its statement of the day, which the statement's import reconciles.",
  fields: (t) => ({ bankReference: t.exposeString('bankReference', { description: "The reversal's own bank reference." }), reversedAt: t.expose('reversedAt', { type: 'DateTime' }) }),
});

/** The schema with these fields is served only with a simulated bank; this guards the pairing. */
function requireDevBank(ctx: GraphQLContext) {
  if (!ctx.devBank) throw new ForbiddenError('the simulated bank is only available in development', 'DEVELOPMENT_ONLY');
  return ctx.devBank;
}

builder.mutationFields((t) => ({
  simulateInboundCredit: t.prismaField({
    type: 'InboundCredit',
    description:
      'Development only: the simulated bank receives money for a virtual account number (play the funder topping up, or the core enterprise repaying). It is booked and matched at once. Any party may play any payer.',
    errors: { types: [...COMMON_ERRORS, ConflictError] },
    args: {
      virtualAccountNumber: t.arg.string({ validate: z.string().regex(/^\d{8,32}$/, { message: 'must be 8 to 32 digits' }) }),
      amount: t.arg.string({ validate: z.string().max(64) }),
      currency: t.arg.string({ required: false, defaultValue: 'CNY', validate: z.string().length(3) }),
      payerName: t.arg.string({ required: false, defaultValue: 'Simulated payer', validate: z.string().min(1).max(200) }),
    },
    resolve: async (query, _root, args, ctx) => {
      const devBank = requireDevBank(ctx);
      const currency = queryCurrency(args.currency ?? 'CNY');
      const amount = formatAmount(validateAmount(args.amount, currency).amount, currency);
      const credit = await devBank.simulator.receiveInboundCredit({ virtualAccountNumber: args.virtualAccountNumber, amount, currency, payerName: args.payerName ?? 'Simulated payer', payerAccountNumber: '6222000000000000', remittanceInformation: 'simulated' });
      await devBank.processInbound();
      return ctx.prisma.inboundCredit.findUniqueOrThrow({ ...query, where: { bankReference: credit.bankReference } });
    },
  }),
  reverseSimulatedCredit: t.field({
    type: BankReversal,
    description:
      "Development only (operators): the simulated bank takes back (冲正) a credit it booked, named by its bank reference: a debit on the bank's statement of the day, which the platform's ledger learns of only from that statement (docs/reconciliation.md, \"A bank's reversal\"). Reversing it again answers the first reversal.",
    errors: { types: [...COMMON_ERRORS] },
    args: { bankReference: t.arg.string({ validate: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/, { message: 'must be 1 to 64 characters of A-Z a-z 0-9 : _ -' }) }) },
    resolve: async (_root, args, ctx) => {
      assertPermitted(ctx.viewer, 'SCRIPT_SIMULATED_BANK');
      const devBank = requireDevBank(ctx);
      try {
        return await devBank.simulator.reverseInboundCredit(args.bankReference);
      } catch (error) {
        if (error instanceof BankRequestRejectedError) throw ValidationError.field(['bankReference'], error.message);
        throw error;
      }
    },
  }),
  scriptBankPayouts: t.field({
    type: BankScript,
    description: 'Development only (operators): tells the simulated bank how to treat the next payouts (to one beneficiary account, or any): succeed, fail, time out and answer later, or return after settling (all of it, or `returnAmount`).',
    errors: { types: [...COMMON_ERRORS] },
    args: {
      behaviour: t.arg({ type: ScriptBehaviourEnum }),
      beneficiaryAccountNumber: t.arg.string({ required: false, validate: z.string().regex(/^\d{8,32}$/) }),
      delayMinutes: t.arg.int({ required: false, validate: z.number().int().min(1).max(43_200) }),
      reason: t.arg.string({ required: false, validate: z.string().max(140) }),
      times: t.arg.int({ required: false, validate: z.number().int().min(1).max(1000) }),
      returnAmount: t.arg.string({ required: false, description: 'RETURN_AFTER only: how much the beneficiary\'s bank sends back (the whole payout when absent).', validate: z.string().max(64) }),
    },
    resolve: async (_root, args, ctx) => {
      assertPermitted(ctx.viewer, 'SCRIPT_SIMULATED_BANK');
      const devBank = requireDevBank(ctx);
      try {
        await devBank.simulator.script({
          behaviour: args.behaviour,
          beneficiaryAccountNumber: args.beneficiaryAccountNumber ?? undefined,
          delayMs: args.delayMinutes ? args.delayMinutes * 60_000 : undefined,
          reason: args.reason ?? undefined,
          times: args.times ?? undefined,
          returnAmount: args.returnAmount ?? undefined,
        });
      } catch (error) {
        // The simulator refuses combinations that do not make sense (a delay on SUCCEED, a reason on a success).
        if (error instanceof RangeError) throw ValidationError.field([], error.message);
        throw error;
      }
      return { behaviour: args.behaviour, times: args.times ?? 1 };
    },
  }),
}));
