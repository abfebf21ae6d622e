import { isoDateOfColumn } from '../../domain/business-date';
import { toDecimal } from '../../prisma/stores/to-decimal';
import { builder } from '../builder';
import { Money, money } from '../money';

// Interest runs from the day the money moves (docs/pricing.md, "Repricing at disbursement"): a
// financing's own figures are repriced to its disbursement day, and the quote the application
// was priced with stays visible beside them as what was quoted.

interface QuotedShape {
  valueDate: Date;
  tenorDays: number;
  interest: string;
  fees: string;
  netDisbursement: string;
  repaymentAtMaturity: string;
  effectiveAnnualRate: string;
  currency: string;
}

const QuotedFigures = builder.objectRef<QuotedShape>('QuotedFigures').implement({
  description: "A financing's figures as quoted at its application, assuming the money would move that day. They never change.",
  fields: (t) => ({
    valueDate: t.field({ type: 'Date', description: 'The assumed value date: the day of the application.', resolve: (q) => isoDateOfColumn(q.valueDate) }),
    tenorDays: t.exposeInt('tenorDays'),
    interest: t.field({ type: Money, resolve: (q) => money(q.interest, q.currency) }),
    fees: t.field({ type: Money, resolve: (q) => money(q.fees, q.currency) }),
    netDisbursement: t.field({ type: Money, resolve: (q) => money(q.netDisbursement, q.currency) }),
    repaymentAtMaturity: t.field({ type: Money, resolve: (q) => money(q.repaymentAtMaturity, q.currency) }),
    effectiveAnnualRate: t.field({ type: 'Rate', resolve: (q) => toDecimal(q.effectiveAnnualRate).toFixed(6) }),
  }),
});

builder.prismaObjectFields('Financing', (t) => ({
  quoted: t.field({
    type: QuotedFigures,
    description: "What the application was quoted (its assumed value date, tenor and figures). The financing's own figures are the same until the money moves, then those of the day it moved.",
    select: {
      quotedValueDate: true,
      quotedTenorDays: true,
      quotedInterest: true,
      quotedFees: true,
      quotedNetDisbursement: true,
      quotedRepaymentAtMaturity: true,
      quotedEffectiveAnnualRate: true,
      currency: true,
    },
    resolve: (f) => ({
      valueDate: f.quotedValueDate,
      tenorDays: f.quotedTenorDays,
      interest: f.quotedInterest.toString(),
      fees: f.quotedFees.toString(),
      netDisbursement: f.quotedNetDisbursement.toString(),
      repaymentAtMaturity: f.quotedRepaymentAtMaturity.toString(),
      effectiveAnnualRate: f.quotedEffectiveAnnualRate.toString(),
      currency: f.currency,
    }),
  }),
}));
