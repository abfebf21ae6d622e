import type { Prisma } from '../../prisma/client';
import { isPermitted } from '../../domain/actor';
import { ForbiddenError, NotFoundError } from '../../domain/errors';
import { visibleInboundExceptionsWhere } from '../../prisma/stores/inbound-exception-store';
import { visibleToOperators } from '../../prisma/stores/bank-statement-store';
import { visibleFinancingsWhere } from '../../prisma/stores/financing-store';
import { visibleReceivablesWhere } from '../../prisma/stores/receivable-store';
import { visibleAccountsWhere, visibleAllocationsWhere, visibleNotificationsWhere } from '../../prisma/stores/visibility';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { eventStream } from '../event-stream';
import { rowIdOf, scopedById } from '../global-id';
import { InboundExceptionRef } from './inbound-exception';
import { ReconciliationItemRef } from './bank-statement';
import { LedgerTransaction, visibleTransaction } from './ledger';

// Live updates (docs/integrations.md): each field streams the objects of one kind of outbox
// event, found by the same scoped lookup as the query that reads them, so a subscriber receives
// exactly what the query would show it, and nothing about what it would not.

/** An event's object the caller may see: its id, found by the scoped lookup, and the event it came with. */
interface Seen {
  eventId: string;
  id: string;
}

/** The lookup's answer as what a stream carries: the id when the caller may see the row, else null. */
async function seen(eventId: string, lookup: Promise<{ id: string } | null>): Promise<Seen | null> {
  const row = await lookup;
  return row ? { eventId, id: row.id } : null;
}

/**
 * The row with what the subscriber's selection needs (`query`, from the prisma plugin), read
 * once per event for all the subscribers of this process that select the same fields. The
 * scoped lookup has already decided that the caller may see it.
 */
function rowFor<T>(ctx: GraphQLContext, item: Seen, query: unknown, read: () => Promise<T>): Promise<T> {
  return ctx.events!.memo(`${item.eventId}:row:${JSON.stringify(query)}`, read);
}

const AFTER_DESCRIPTION = 'Resume after this event id (the `eventId` in the extensions of each result; the SSE Last-Event-ID header does the same): events missed since are sent first.';

const RaisedException = builder.unionType('RaisedException', {
  description: 'An exception for operators: an inbound credit parked in suspense, or a difference the reconciliation found.',
  types: [InboundExceptionRef, ReconciliationItemRef],
  resolveType: (value) => ('outcome' in value ? 'ReconciliationItem' : 'InboundException'),
});

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  financingUpdated: t.prismaField({
    type: 'Financing',
    description: 'A financing you may see changed status; only the one named by `id` when given. Under silent assignment the obligor is never told.',
    args: { id: t.arg.globalID({ required: false }), after: t.arg.string({ required: false, description: AFTER_DESCRIPTION }) },
    subscribe: (_root, { id, after }, ctx) => {
      const financingId = id ? rowIdOf(id, 'Financing') : null;
      return eventStream(ctx, {
        types: ['FINANCING_UPDATED'],
        after,
        accept: (event) => financingId === null || event.financingId === financingId,
        load: (event) => seen(event.id, ctx.prisma.financing.findFirst({ where: scopedById(event.subjectId, visibleFinancingsWhere(ctx.viewer)), select: { id: true } })),
      });
    },
    resolve: (query, item, _args, ctx) => rowFor(ctx, item, query, () => ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: item.id } })),
  }),
  receivableUpdated: t.prismaField({
    type: 'Receivable',
    description: 'A receivable you may see changed status; only the one named by `id` when given.',
    args: { id: t.arg.globalID({ required: false }), after: t.arg.string({ required: false, description: AFTER_DESCRIPTION }) },
    subscribe: (_root, { id, after }, ctx) => {
      const receivableId = id ? rowIdOf(id, 'Receivable') : null;
      return eventStream(ctx, {
        types: ['RECEIVABLE_UPDATED'],
        after,
        accept: (event) => receivableId === null || event.receivableId === receivableId,
        load: (event) => seen(event.id, ctx.prisma.receivable.findFirst({ where: scopedById(event.subjectId, visibleReceivablesWhere(ctx.viewer)), select: { id: true } })),
      });
    },
    resolve: (query, item, _args, ctx) => rowFor(ctx, item, query, () => ctx.prisma.receivable.findUniqueOrThrow({ ...query, where: { id: item.id } })),
  }),
  repaymentReceived: t.prismaField({
    type: 'RepaymentAllocation',
    description: 'A repayment was allocated to a financing you may see (the waterfall run over what its collection account received).',
    args: { after: t.arg.string({ required: false, description: AFTER_DESCRIPTION }) },
    subscribe: (_root, { after }, ctx) =>
      eventStream(ctx, {
        types: ['REPAYMENT_RECEIVED'],
        after,
        load: (event) => seen(event.id, ctx.prisma.repaymentAllocation.findFirst({ where: scopedById(event.subjectId, visibleAllocationsWhere(ctx.viewer)), select: { id: true } })),
      }),
    resolve: (query, item, _args, ctx) => rowFor(ctx, item, query, () => ctx.prisma.repaymentAllocation.findUniqueOrThrow({ ...query, where: { id: item.id } })),
  }),
  accountActivity: t.field({
    type: LedgerTransaction,
    description: 'A ledger transaction posted to one of your accounts, with only the entries on your accounts. NOT_FOUND for an account that is not yours to see.',
    args: { accountId: t.arg.globalID(), after: t.arg.string({ required: false, description: AFTER_DESCRIPTION }) },
    subscribe: async (_root, { accountId, after }, ctx) => {
      const id = rowIdOf(accountId, 'LedgerAccount');
      // Like account(id): another party's account is answered as one that does not exist.
      const account = await ctx.prisma.ledgerAccount.findFirst({ where: scopedById(id, visibleAccountsWhere(ctx.viewer)), select: { id: true } });
      if (!account) throw new NotFoundError('LedgerAccount', accountId.id);
      return eventStream(ctx, { types: ['ACCOUNT_ACTIVITY'], after, accept: (event) => event.accountId === id, load: (event) => visibleTransaction(ctx, event.subjectId) });
    },
    resolve: (transaction) => transaction,
  }),
  notificationAdded: t.prismaField({
    type: 'Notification',
    description: "A message arrived in your party's inbox.",
    args: { after: t.arg.string({ required: false, description: AFTER_DESCRIPTION }) },
    subscribe: (_root, { after }, ctx) =>
      eventStream(ctx, {
        types: ['NOTIFICATION_ADDED'],
        after,
        load: (event) => seen(event.id, ctx.prisma.notification.findFirst({ where: scopedById(event.subjectId, visibleNotificationsWhere(ctx.viewer)), select: { id: true } })),
      }),
    resolve: (query, item, _args, ctx) => rowFor(ctx, item, query, () => ctx.prisma.notification.findUniqueOrThrow({ ...query, where: { id: item.id } })),
  }),
  exceptionRaised: t.field({
    type: RaisedException,
    description: 'An inbound credit was parked in suspense, or the reconciliation against the bank found a difference (operators only).',
    authScopes: { permitted: 'READ_INBOUND_EXCEPTIONS' },
    args: { after: t.arg.string({ required: false, description: AFTER_DESCRIPTION }) },
    subscribe: (_root, { after }, ctx) => {
      // The scope above guards each result; a caller who may never have one is refused before it waits.
      if (!isPermitted(ctx.viewer, 'READ_INBOUND_EXCEPTIONS')) throw new ForbiddenError('your party or role is not allowed to do this');
      return eventStream<object>(ctx, {
        types: ['INBOUND_EXCEPTION_RAISED', 'RECONCILIATION_ITEM_RAISED'],
        after,
        load: (event) =>
          event.type === 'INBOUND_EXCEPTION_RAISED'
            ? ctx.prisma.inboundException.findFirst({ where: scopedById(event.subjectId, visibleInboundExceptionsWhere(ctx.viewer)) })
            : ctx.prisma.reconciliationItem.findFirst({ where: scopedById(event.subjectId, visibleToOperators<Prisma.ReconciliationItemWhereInput>(ctx.viewer)) }),
      });
    },
    resolve: (exception) => exception as never,
  }),
}));
