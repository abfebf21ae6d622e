import { z } from 'zod';
import type { FinancingStatus as FinancingStatusValues } from '../../prisma/generated/client/enums';
import { ESCROW_BANK_NAME } from '../../prisma/stores/chart-of-accounts';
import { visibleFinancingsWhere } from '../../prisma/stores/financing-store';
import { CREDITS_INTO_ACCOUNTS } from '../../prisma/stores/inbound-exception-store';
import { toDecimal } from '../../prisma/stores/to-decimal';
import { outstandingOfParts } from '../../prisma/stores/voucher-default-store';
import { isOperator } from '../../domain/actor';
import { applyForVoucherFinancing } from '../../use-cases/apply-for-voucher-financing';
import { dateColumn, isoDateOfColumn, type IsoDate } from '../../domain/business-date';
import { ConflictError, LimitExceededError, WrongStateError } from '../../domain/errors';
import { Decimal, formatAmount, type Currency } from '../../domain/money';
import type { Prisma } from '../../prisma/client';
import { batchLoad } from '../batch-load';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { LOOKUP_ERRORS } from '../errors';
import { rowIdOf } from '../global-id';
import { Money, money } from '../money';
import { dayRange } from '../validators';
import { CollectionAccount, FinancingStatusEnum } from './financing';
import { VoucherPartRef } from './voucher';

// Financing voucher parts over GraphQL (docs/workflows/voucher-maturity.md): the holder's
// application, the funder's list of the parts it finances, and the issuer's maturity calendar.
// The calendar answers what the issuer owes and where to pay it, never to whom: under silent
// assignment the issuer must not learn which funder holds a part, so it names no holder and no
// funder, only the platform's collection accounts.

/** Due dates one calendar answers: a year of daily maturities. */
export const MATURITY_CALENDAR_DATES_MAX = 366;
/** Vouchers listed under one due date (the totals always count all of them). */
export const MATURITY_DATE_VOUCHERS_MAX = 1000;
/** Rows of a page of vouchersFinanced. */
export const FINANCED_PARTS_PAGE_SIZE_MAX = 100;

const VOUCHER_OWING_STATUSES = ['ACTIVE', 'DEFAULTED'] as const;

const FinancedVoucherPart = builder.prismaObject('Financing', {
  variant: 'FinancedVoucherPart',
  description: 'A voucher part your party finances, with the financing of it.',
  select: { id: true },
  fields: (t) => ({
    financing: t.variant('Financing'),
    part: t.field({
      type: VoucherPartRef,
      select: { receivable: { select: { voucherPart: true } } },
      // The list only carries financings of voucher parts, so the part is always there.
      resolve: (row) => row.receivable.voucherPart!,
    }),
    voucherNumber: t.string({ select: { receivable: { select: { voucherPart: { select: { voucher: { select: { voucherNumber: true } } } } } } }, resolve: (row) => row.receivable.voucherPart!.voucher.voucherNumber }),
    amount: t.field({
      type: Money,
      description: 'The claim financed: what the part held when it was applied for (the principal is on the financing).',
      select: { receivable: { select: { faceAmount: true, currency: true } } },
      resolve: (row) => money(row.receivable.faceAmount, row.receivable.currency),
    }),
    dueDate: t.field({ type: 'Date', description: "The voucher's maturity.", select: { dueDate: true }, resolve: (row) => isoDateOfColumn(row.dueDate) }),
  }),
});

type FinancingStatusValue = (typeof FinancingStatusValues)[keyof typeof FinancingStatusValues];

/** The funder's financings of voucher parts, as the financings list would show them to it. */
function financedPartsWhere(ctx: GraphQLContext, status: readonly FinancingStatusValue[] | null | undefined): Prisma.FinancingWhereInput {
  return {
    AND: [visibleFinancingsWhere(ctx.viewer), { funderPartyId: ctx.viewer.partyId, receivable: { voucherPartId: { not: null } } }, status?.length ? { status: { in: [...status] } } : {}],
  };
}

interface MaturityVoucher {
  voucherId: string;
  voucherNumber: string;
  status: string;
  defaultedOn: IsoDate | null;
  currency: string;
  amount: string;
  paid: string;
  virtualAccountNumber: string | null;
  accountName: string | null;
}

interface MaturityDate {
  issuerPartyId: string;
  dueDate: IsoDate;
  currency: string;
  owed: string;
  paid: string;
  voucherCount: number;
}

const MaturityVoucherRef = builder.objectRef<MaturityVoucher>('VoucherMaturity').implement({
  description: 'One voucher falling due: what it owes, what came in, and where to pay it.',
  fields: (t) => ({
    voucherNumber: t.exposeString('voucherNumber'),
    status: t.exposeString('status', { description: 'ACTIVE or DEFAULTED.' }),
    defaultedOn: t.field({
      type: 'Date',
      nullable: true,
      description: 'The due date, once it ended without the voucher paid in full (by the money\'s value date): your default, from the end of that day. Null while the voucher is not in default.',
      resolve: (row) => row.defaultedOn,
    }),
    amount: t.field({ type: Money, resolve: (row) => money(row.amount, row.currency) }),
    paid: t.field({ type: Money, description: 'Credited to its collection account so far.', resolve: (row) => money(row.paid, row.currency) }),
    collectionAccount: t.field({
      type: CollectionAccount,
      nullable: true,
      description: "到期还款专户: the platform's account for this voucher; pay its virtual account number.",
      resolve: (row) => (row.virtualAccountNumber ? { bankName: ESCROW_BANK_NAME, accountName: row.accountName ?? row.voucherNumber, virtualAccountNumber: row.virtualAccountNumber } : null),
    }),
  }),
});

const MaturityDateRef = builder.objectRef<MaturityDate>('VoucherMaturityDate').implement({
  description: 'What your party owes on its vouchers on one due date, in one currency, and where to pay it: to the platform, never to whom.',
  fields: (t) => ({
    dueDate: t.field({ type: 'Date', resolve: (row) => row.dueDate }),
    owed: t.field({ type: Money, description: 'The amounts of the ACTIVE and DEFAULTED vouchers due that day.', resolve: (row) => money(row.owed, row.currency) }),
    paid: t.field({ type: Money, description: "Credited to their collection accounts so far.", resolve: (row) => money(row.paid, row.currency) }),
    outstanding: t.field({
      type: Money,
      description: 'Owed less paid, never below zero (a payment beyond what is owed is refunded, not carried).',
      resolve: (row) => money(Decimal.max(new Decimal(row.owed).minus(row.paid), 0).toFixed(), row.currency),
    }),
    voucherCount: t.exposeInt('voucherCount'),
    vouchers: t.field({
      type: [MaturityVoucherRef],
      description: `The vouchers due that day, by voucher number, at most ${MATURITY_DATE_VOUCHERS_MAX}.`,
      resolve: (row, _args, ctx) => vouchersDue(ctx, row),
    }),
  }),
});

/**
 * Credited to each collection account: the bank credits whose money reached it, booked there by
 * the feed or applied there from suspense by operators, as the distribution counts them.
 */
async function creditedTo(ctx: GraphQLContext, accountIds: string[]): Promise<Map<string, Decimal>> {
  if (accountIds.length === 0) return new Map();
  const sums = await ctx.prisma.$queryRaw<Array<{ accountId: string; credited: string }>>`
    SELECT r.account_id::text AS "accountId", SUM(r.amount)::text AS credited FROM ${CREDITS_INTO_ACCOUNTS} r WHERE r.account_id = ANY (${accountIds}::uuid[]) GROUP BY r.account_id`;
  return new Map(sums.map((row) => [row.accountId, toDecimal(row.credited)]));
}

async function vouchersDue(ctx: GraphQLContext, date: MaturityDate): Promise<MaturityVoucher[]> {
  const vouchers = await ctx.prisma.voucher.findMany({
    where: { issuerPartyId: date.issuerPartyId, dueDate: dateColumn(date.dueDate), currency: date.currency, status: { in: [...VOUCHER_OWING_STATUSES] } },
    select: { id: true, voucherNumber: true, status: true, defaultedOn: true, currency: true, amount: true, collectionAccountId: true, collectionAccount: { select: { name: true, virtualAccountNumber: true } } },
    orderBy: { voucherNumber: 'asc' },
    take: MATURITY_DATE_VOUCHERS_MAX,
  });
  const credited = await creditedTo(ctx, vouchers.flatMap((voucher) => (voucher.collectionAccountId ? [voucher.collectionAccountId] : [])));
  return vouchers.map((voucher) => {
    const currency = voucher.currency as Currency;
    return {
      voucherId: voucher.id,
      voucherNumber: voucher.voucherNumber,
      status: voucher.status,
      defaultedOn: voucher.defaultedOn ? isoDateOfColumn(voucher.defaultedOn) : null,
      currency,
      amount: formatAmount(toDecimal(voucher.amount), currency),
      paid: formatAmount(credited.get(voucher.collectionAccountId ?? '') ?? new Decimal(0), currency),
      virtualAccountNumber: voucher.collectionAccount?.virtualAccountNumber ?? null,
      accountName: voucher.collectionAccount?.name ?? null,
    };
  });
}

/** The issuer's owing vouchers summed per due date and currency, in one statement, earliest first. */
async function maturityCalendar(ctx: GraphQLContext, from: IsoDate | null | undefined, to: IsoDate | null | undefined): Promise<MaturityDate[]> {
  const issuer = ctx.viewer.partyId;
  const fromColumn = from ? dateColumn(from) : null;
  const toColumn = to ? dateColumn(to) : null;
  const rows = await ctx.prisma.$queryRaw<Array<{ dueDate: Date; currency: string; owed: string; paid: string; voucherCount: number }>>`
    SELECT v.due_date AS "dueDate", v.currency AS "currency", SUM(v.amount)::text AS "owed",
           COALESCE(SUM(c.credited), 0)::text AS "paid", COUNT(*)::int AS "voucherCount"
      FROM voucher v
      LEFT JOIN (SELECT r.account_id, SUM(r.amount) AS credited FROM ${CREDITS_INTO_ACCOUNTS} r
                  WHERE r.account_id IN (SELECT collection_account_id FROM voucher WHERE issuer_party_id = ${issuer}::uuid)
                  GROUP BY r.account_id) c ON c.account_id = v.collection_account_id
     WHERE v.issuer_party_id = ${issuer}::uuid
       AND v.status::text IN ('ACTIVE', 'DEFAULTED')
       AND (${fromColumn}::date IS NULL OR v.due_date >= ${fromColumn}::date)
       AND (${toColumn}::date IS NULL OR v.due_date <= ${toColumn}::date)
     GROUP BY v.due_date, v.currency
     ORDER BY v.due_date, v.currency
     LIMIT ${MATURITY_CALENDAR_DATES_MAX}`;
  return rows.map((row) => {
    const currency = row.currency as Currency;
    return { issuerPartyId: issuer, dueDate: isoDateOfColumn(row.dueDate), currency, owed: formatAmount(toDecimal(row.owed), currency), paid: formatAmount(toDecimal(row.paid), currency), voucherCount: row.voucherCount };
  });
}

interface PartSettlement {
  currency: string;
  paid: string;
  outstanding: string;
  issuerInDefault: boolean;
  defaultedOn: IsoDate | null;
}

const PartSettlementRef = builder.objectRef<PartSettlement>('VoucherPartSettlement').implement({
  description: "What your part was paid of the issuer's maturity payment, what it is still owed, and whether the issuer is in default on it.",
  fields: (t) => ({
    paid: t.field({ type: Money, description: 'Paid to the part so far: its shares of the distributions posted (a financed part\'s went to its financing, whose waterfall pays the funder first).', resolve: (row) => money(row.paid, row.currency) }),
    outstanding: t.field({ type: Money, description: 'Still owed to the part: what it holds less what it was paid. After a default, the shortfall the issuer owes it.', resolve: (row) => money(row.outstanding, row.currency) }),
    issuerInDefault: t.boolean({ description: 'True while the voucher is DEFAULTED: its due date ended without the issuer paying in full.', resolve: (row) => row.issuerInDefault }),
    defaultedOn: t.field({
      type: 'Date',
      nullable: true,
      description: 'The due date the issuer defaulted on; kept once a late payment in full made the voucher PAID. Null when it never defaulted.',
      resolve: (row) => row.defaultedOn,
    }),
  }),
});

builder.prismaObjectFields('VoucherPart', (t) => ({
  settlement: t.field({
    type: PartSettlementRef,
    nullable: true,
    description:
      "What the part was paid and is still owed, and the issuer's default: to the part's holder (and operators) only; null for anyone else. A funder sees its financing's own figures on the financing.",
    // The voucher's state is read by its id rather than through a nested selection: a voucher's
    // `parts` are the visible rows as the visibility rules read them, without Pothos's selection.
    select: { id: true, holderPartyId: true, currency: true, heldAmount: true, voucherId: true },
    resolve: async (part, _args, ctx) => {
      if (part.holderPartyId !== ctx.viewer.partyId && !isOperator(ctx.viewer)) return null;
      // The parts of a page are read together: one statement for their claims in the ledger, one for their vouchers.
      const [found, voucher] = await Promise.all([
        batchLoad(ctx, 'VoucherPart.settlement', part.id, async (ids) => new Map((await outstandingOfParts(ctx.prisma, ids)).map((row) => [row.partId, row]))),
        batchLoad(ctx, 'VoucherPart.settlement.voucher', part.voucherId, async (ids) => new Map((await ctx.prisma.voucher.findMany({ where: { id: { in: ids } }, select: { id: true, status: true, defaultedOn: true } })).map((row) => [row.id, row]))),
      ]);
      if (!voucher) throw new Error(`voucher ${part.voucherId} of part ${part.id} not found`);
      const currency = part.currency as Currency;
      const held = toDecimal(part.heldAmount);
      const outstanding = found ? found.outstanding : held;
      return {
        currency,
        paid: formatAmount(held.minus(outstanding), currency),
        outstanding: formatAmount(outstanding, currency),
        issuerInDefault: voucher.status === 'DEFAULTED',
        defaultedOn: voucher.defaultedOn ? isoDateOfColumn(voucher.defaultedOn) : null,
      };
    },
  }),
}));

builder.queryFields((t) => ({
  vouchersFinanced: t.prismaConnection({
    type: FinancedVoucherPart,
    nullable: true,
    cursor: 'id',
    maxSize: FINANCED_PARTS_PAGE_SIZE_MAX,
    description: 'The voucher parts your party finances (funders), with their financings, newest application first.',
    args: { status: t.arg({ type: [FinancingStatusEnum], required: false, description: "The financings' states; all when absent." }) },
    totalCount: (_root, { status }, ctx) => ctx.prisma.financing.count({ where: financedPartsWhere(ctx, status) }),
    resolve: (query, _root, { status }, ctx) => ctx.prisma.financing.findMany({ ...query, where: financedPartsWhere(ctx, status), orderBy: [{ appliedAt: 'desc' }, { id: 'desc' }] }),
  }),
  voucherMaturityCalendar: t.field({
    type: [MaturityDateRef],
    nullable: true,
    description: `What your party owes on the vouchers it issued that are ACTIVE or DEFAULTED (core enterprises), per due date and currency, earliest first, at most ${MATURITY_CALENDAR_DATES_MAX} dates: the amounts, what was paid, and the collection accounts to pay. Never who holds or finances the parts.`,
    args: {
      from: t.arg({ type: 'Date', required: false, description: 'The first due date; the earliest when absent.' }),
      to: t.arg({ type: 'Date', required: false, description: 'The last due date; the latest when absent.' }),
    },
    validate: dayRange('from', 'to'),
    resolve: (_root, { from, to }, ctx) => maturityCalendar(ctx, from, to),
  }),
}));

const ApplyForVoucherFinancingInput = builder.inputType('ApplyForVoucherFinancingInput', {
  fields: (t) => ({
    partId: t.globalID({ description: 'The ACTIVE voucher part you hold; it is financed whole.' }),
    programId: t.globalID({ description: "A program of the voucher's issuer that admits voucher holders." }),
    amount: t.string({ description: 'The principal, a decimal string, at most advance rate × what the part holds.', validate: z.string().max(64) }),
    idempotencyKey: t.string({ description: 'Chosen by the client; repeating the request with the same key returns the same financing.', validate: z.string().max(400) }),
  }),
});

builder.mutationFields((t) => ({
  applyForVoucherFinancing: t.prismaField({
    type: 'Financing',
    description:
      "Applies to finance a voucher part you hold (a holder's MAKER): the part becomes a confirmed receivable on the issuer and today's application runs on it, exactly as applyForFinancing; the part is FINANCING and its claim held for the funder. Another party's part is not found.",
    errors: { types: [...LOOKUP_ERRORS, WrongStateError, LimitExceededError, ConflictError] },
    args: { input: t.arg({ type: ApplyForVoucherFinancingInput }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { financingId } = await applyForVoucherFinancing(ctx, ctx.viewer, { partId: rowIdOf(input.partId, 'VoucherPart'), programId: rowIdOf(input.programId, 'Program'), amount: input.amount, idempotencyKey: input.idempotencyKey });
      return ctx.prisma.financing.findUniqueOrThrow({ ...query, where: { id: financingId } });
    },
  }),
}));
