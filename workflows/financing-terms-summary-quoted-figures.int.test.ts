import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { businessDateOf } from '../domain/business-date';
import { partyAccountCode } from '../prisma/stores/chart-of-accounts';
import { registerBankAccount } from '../prisma/stores/disbursement-store';
import { createTestDatabase, SKIPPING_CLOCK_LEAD_MAX, type TestDatabase } from '../test/support/database';
import { createFinancingParties, enrolledSupplierWithConfirmedReceivable } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { startHeldActivityStack, type HeldActivityStack } from '../test/support/held-activity-stack';
import { compactText, extractPdfText } from '../test/support/pdf';
import { actorOf } from '../test/support/receivables';

// The financing terms summary is issued at approval: it states the quote, whose value date is
// assumed (拟定), and says the disbursement reprices. It is rendered alongside the money, so the
// money may move first; what it prints must not depend on which finished first.

const DAY_MS = 24 * 60 * 60 * 1000;
const FIELDS = `__typename ... on Financing { id status } ... on Error { code message }`;

describe('financing terms summary rendered after the money moved', () => {
  let db: TestDatabase;
  let holding: HeldActivityStack;

  beforeAll(async () => {
    db = await createTestDatabase({ effectiveAtLeadMax: SKIPPING_CLOCK_LEAD_MAX });
  });
  beforeEach(async () => {
    holding = await startHeldActivityStack(db, 'generateFinancingDocument', (input) => (input.kind === 'FINANCING_TERMS' ? input.kind : null));
  });
  afterEach(async () => {
    holding?.release();
    await holding?.stack.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('states the quote of the application (value date day 0, 90 days, interest 12,000.00), not the figures repriced at the disbursement 3 days later', async () => {
    const { worker, money, stack, release } = holding;
    const { api, env } = stack;
    await worker.runUntil(async () => {
      const today = businessDateOf(new Date());
      const parties = await createFinancingParties(db.prisma);
      const { supplier, receivable } = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
      await registerBankAccount(db.prisma, await actorOf(db.prisma, supplier), supplier.partyId, { accountName: '深圳市华强精密电子有限公司', accountNumber: '6222 0202 0011 2233 445', bankName: '中国工商银行深圳华强支行' });
      await money.pay(await money.virtualAccountOf(partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY')), '1000000.00', '前海恒信商业保理有限公司');
      const applied = await api.call(supplier.token, `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FIELDS} } }`, {
        input: { receivableId: globalId('Receivable', receivable.id), programId: globalId('Program', parties.programId), amount: '800000.00', idempotencyKey: 'apply' },
      });
      expect(applied.__typename, JSON.stringify(applied)).toBe('Financing');
      await api.call(parties.core.token, `mutation ($id: ID!) { acknowledgeAssignment(id: $id) { ${FIELDS} } }`, { id: applied.id });
      // The funder approves 3 days after the application (docs/pricing.md, "approval takes 3 days").
      await env.sleep(3 * DAY_MS);
      await api.call(parties.funder.token, `mutation ($id: ID!) { approveFinancing(id: $id) { ${FIELDS} } }`, { id: applied.id });
      await api.call(parties.funderChecker.token, `mutation ($id: ID!) { confirmApproval(id: $id) { ${FIELDS} } }`, { id: applied.id });
      const financingId = rowId(applied.id);
      // The money moves on day 3 while the terms summary is still rendering.
      await money.reached(financingId, 'DISBURSED');
      const financing = await db.prisma.financing.findUniqueOrThrow({ where: { id: financingId } });
      expect([financing.tenorDays, financing.interest.toFixed(2), financing.quotedTenorDays, financing.quotedInterest.toFixed(2)]).toEqual([87, '11600.00', 90, '12000.00']);

      release();
      await expect.poll(async () => db.prisma.document.count({ where: { financingId, kind: 'FINANCING_TERMS' } }), { timeout: 60_000 }).toBe(1);
      const document = await db.prisma.document.findFirstOrThrow({ where: { financingId, kind: 'FINANCING_TERMS' } });
      const text = compactText((await extractPdfText(new Uint8Array(document.content))).join('\n'));
      const figure = (pattern: RegExp) => pattern.exec(text)?.[1] ?? null;
      expect({
        valueDate: figure(/起息日Valuedate(\d{4}-\d{2}-\d{2})/),
        tenorDays: figure(/融资期限Tenor(\d+)天/),
        interest: figure(/利息InterestCNY([\d,]+\.\d{2})/),
        netDisbursement: figure(/实际放款金额NetdisbursementCNY([\d,]+\.\d{2})/),
        effectiveAnnualCost: figure(/综合年化成本Effectiveannualcost([\d.]+%)/),
      }).toEqual({ valueDate: today, tenorDays: '90', interest: '12,000.00', netDisbursement: '787,200.00', effectiveAnnualCost: '6.5944%' });
    });
  }, 180_000);
});
