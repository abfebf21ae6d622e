import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { recordInboundCredit } from '../prisma/stores/inbound-store';
import { registerReceivable } from '../prisma/stores/receivable-store';
import { allocateCollection } from '../prisma/stores/servicing-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, disburseApplied, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { registrationInput } from '../test/support/receivables';

// Silent assignment (暗保理): whatever the core enterprise can ask of a receivable it owes answers
// what it would with no financing (docs/security.md). With no financing, a confirmed receivable
// keeps its invoices encumbered until it is paid, and nobody can register them again. Settlement
// of a silent financing releases the invoices, and the supplier can then register the same
// invoice against the same core enterprise: the core enterprise is asked to confirm a second
// receivable for an invoice that, as it is told, a CONFIRMED receivable still holds, and its
// registry check names the new registration. Both tell it the first was financed and settled.

const REGISTRY = `query ($code: String!, $invoiceCode: String!, $invoiceNumber: String!) {
  registryCheck(obligorCreditCode: $code, invoiceCode: $invoiceCode, invoiceNumber: $invoiceNumber) { encumbered registrationNumber status } }`;
const OWED = `query { receivables(first: 100) { totalCount edges { node { registrationNumber status invoices { invoiceCode invoiceNumber } } } } }`;

type Result = Record<string, any>;

describe('an invoice of a settled silent financing, registered again', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let invoice: { invoiceCode: string; invoiceNumber: string };
  let registryBefore: Result;
  let registrationNumber: string;
  let attempt: { registered: string } | { refused: string };

  const data = async (token: string, query: string, variables: Record<string, unknown> = {}) => api.call(token, query, variables);

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    const silent = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    registrationNumber = silent.receivable.registrationNumber;
    const [first] = await db.prisma.receivableInvoice.findMany({ where: { receivableId: silent.receivable.id }, orderBy: { lineNumber: 'asc' } });
    invoice = { invoiceCode: first!.invoiceCode, invoiceNumber: first!.invoiceNumber };
    registryBefore = await data(parties.core.token, REGISTRY, { code: parties.core.creditCode, ...invoice });

    // Financed silently, disbursed, repaid in full: SETTLED.
    const { financing } = await applyForFinancing(db.prisma, silent.actor, { receivableId: silent.receivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: 'settled-again' }, TEST_FINANCING_WINDOWS);
    await disburseApplied(db.prisma, parties, financing.id, { acknowledge: false });
    const financed = await db.prisma.financing.findUniqueOrThrow({ where: { id: financing.id }, include: { collectionAccount: true } });
    const owed = financed.principalOutstanding.plus(financed.interestOutstanding).plus(financed.feesOutstanding).plus(financed.penaltyOutstanding);
    await recordInboundCredit(db.prisma, {
      bankReference: `AGAIN-REPAY-${financing.id}`,
      virtualAccountNumber: financed.collectionAccount!.virtualAccountNumber!,
      amount: owed.toFixed(2),
      currency: 'CNY',
      payerName: '广州云海智能制造集团股份有限公司',
      payerAccountNumber: '6222020200112233445',
      remittanceInformation: 'repayment',
      receivedAt: new Date(),
    });
    await allocateCollection(db.prisma, financing.id, `again:${financing.id}:allocation`);
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: silent.receivable.id } })).status).toBe('SETTLED');

    // The supplier registers the same invoice against the same core enterprise again.
    const input = registrationInput(parties.core.creditCode, { idempotencyKey: 'settled-invoice-again', faceAmount: '600000.00' });
    input.invoices = [{ ...input.invoices[0]!, ...invoice, amount: '600000.00' }];
    try {
      const { receivable } = await registerReceivable(db.prisma, silent.actor, input, { confirmationWindowMs: 7 * 86_400_000 });
      attempt = { registered: receivable.registrationNumber };
    } catch (error) {
      attempt = { refused: (error as Error).name };
    }
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it("answers the core enterprise's registry check as before the financing", async () => {
    const registry = await data(parties.core.token, REGISTRY, { code: parties.core.creditCode, ...invoice });
    expect({ attempt, registry }).toEqual({ attempt: { refused: 'ReceivableEncumberedError' }, registry: registryBefore });
  });

  it('shows the core enterprise one receivable holding the invoice, the confirmed one', async () => {
    const owed = await data(parties.core.token, OWED);
    const holding = (owed.edges as Result[])
      .map((edge) => edge.node)
      .filter((node) => (node.invoices as Result[]).some((line) => line.invoiceCode === invoice.invoiceCode && line.invoiceNumber === invoice.invoiceNumber))
      .map((node) => ({ registrationNumber: node.registrationNumber, status: node.status }));
    expect(holding).toEqual([{ registrationNumber, status: 'CONFIRMED' }]);
  });
});
