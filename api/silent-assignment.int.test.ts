import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceivableEncumberedError } from '../domain/errors';
import { applyForFinancing } from '../prisma/stores/financing-store';
import { registerReceivable } from '../prisma/stores/receivable-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, disburseApplied, enrolledSupplierWithConfirmedReceivable, TEST_FINANCING_WINDOWS, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf, registrationInput } from '../test/support/receivables';

// Silent assignment (暗保理) over real HTTP: the core enterprise owes the receivable but is not
// told it was assigned. Whatever it can ask (the receivable, its history, its lists and their
// counts, the registry, the program's limits, its inbox) answers exactly what it would answer
// with no financing; only "encumbered" is public, and the registration number and status only
// to the receivable's own parties (docs/security.md, "Silent assignment").

type Result = Record<string, any>;

const RECEIVABLE = `query ($id: ID!) { receivable(id: $id) { status history { fromStatus toStatus reason actorName actorParty { legalName } } } }`;
const LIST = `query ($status: [ReceivableStatus!]) { receivables(filter: { status: $status }) { totalCount edges { node { id status } } } }`;
const REGISTRY = `query ($code: String!, $invoiceCode: String!, $invoiceNumber: String!) {
  registryCheck(obligorCreditCode: $code, invoiceCode: $invoiceCode, invoiceNumber: $invoiceNumber) { encumbered registrationNumber status } }`;
const LIMITS = `query ($id: ID!) { program(id: $id) { limits { totalCount edges { node { kind supplierName granted { amount } available { amount } } } } } }`;
const INBOX = `{ notifications(first: 100) { totalCount edges { node { kind subject body } } } }`;

describe('silent assignment, as the core enterprise sees it', () => {
  let db: TestDatabase;
  let api: TestApi;
  let parties: FinancingParties;
  let supplier: TestActor;
  let otherSupplier: TestActor;
  let receivableId: string;
  let receivableGid: string;
  let invoice: { invoiceCode: string; invoiceNumber: string };
  /** Everything the core enterprise could ask, before any financing. */
  let before: Result;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    const fixture = await enrolledSupplierWithConfirmedReceivable(db.prisma, parties);
    supplier = fixture.supplier;
    receivableId = fixture.receivable.id;
    receivableGid = globalId('Receivable', receivableId);
    const [first] = await db.prisma.receivableInvoice.findMany({ where: { receivableId }, orderBy: { lineNumber: 'asc' } });
    invoice = { invoiceCode: first!.invoiceCode, invoiceNumber: first!.invoiceNumber };
    otherSupplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    before = await coreView();
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function call(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Result> {
    const body = await api.request<Record<string, Result>>(token, query, variables);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return Object.values(body.data!)[0]!;
  }

  const registry = (token: string) => call(token, REGISTRY, { code: parties.core.creditCode, ...invoice });

  async function coreView(): Promise<Result> {
    const token = parties.core.token;
    return {
      receivable: await call(token, RECEIVABLE, { id: receivableGid }),
      confirmed: await call(token, LIST, { status: ['CONFIRMED'] }),
      financed: await call(token, LIST, { status: ['FINANCING_PENDING', 'FINANCED', 'SETTLED'] }),
      all: await call(token, LIST, { status: null }),
      registry: await registry(token),
      limits: await call(token, LIMITS, { id: globalId('Program', parties.programId) }),
      inbox: await call(token, INBOX),
    };
  }

  it('shows the core enterprise nothing of a silent application: status, history, lists, counts, registry, limits and inbox as before', async () => {
    const { financing } = await applyForFinancing(db.prisma, await actorOf(db.prisma, supplier), { receivableId, programId: parties.programId, amount: '800000.00', idempotencyKey: 'silent' }, TEST_FINANCING_WINDOWS);
    expect(financing.status).toBe('PENDING_APPROVAL');
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } })).status).toBe('FINANCING_PENDING');
    expect(await coreView()).toEqual(before);
    expect(before.receivable.status).toBe('CONFIRMED');
    expect(before.financed.totalCount).toBe(0);
    // The supplier and the funder see what happened.
    expect((await call(supplier.token, RECEIVABLE, { id: receivableGid })).status).toBe('FINANCING_PENDING');
    const funderView = await call(parties.funder.token, RECEIVABLE, { id: receivableGid });
    expect(funderView.status).toBe('FINANCING_PENDING');
    expect(funderView.history.map((row: Result) => row.toStatus)).toContain('FINANCING_PENDING');
    const funderLimits = await call(parties.funder.token, LIMITS, { id: globalId('Program', parties.programId) });
    expect(funderLimits).not.toEqual(before.limits);
  });

  it('still shows nothing once the silent financing is disbursed', async () => {
    const financing = await db.prisma.financing.findFirstOrThrow({ where: { receivableId } });
    await disburseApplied(db.prisma, parties, financing.id, { acknowledge: false });
    expect((await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } })).status).toBe('FINANCED');
    expect(await coreView()).toEqual(before);
  });

  it('tells another party only that the invoice is encumbered: no registration number, no status', async () => {
    expect(await registry(otherSupplier.token)).toEqual({ encumbered: true, registrationNumber: null, status: null });
    expect(await registry(supplier.token)).toMatchObject({ encumbered: true, registrationNumber: expect.stringMatching(/^REG-/), status: 'FINANCED' });
    expect(before.registry).toMatchObject({ encumbered: true, registrationNumber: expect.stringMatching(/^REG-/), status: 'CONFIRMED' });
  });

  it('does not hand another supplier the registration number that holds its invoice', async () => {
    const input = registrationInput(parties.core.creditCode);
    input.invoices[0] = { ...input.invoices[0]!, ...invoice };
    const refusal = await registerReceivable(db.prisma, await actorOf(db.prisma, otherSupplier), input, { now: new Date(), confirmationWindowMs: 86_400_000 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ReceivableEncumberedError);
    const { registrationNumber } = await db.prisma.receivable.findUniqueOrThrow({ where: { id: receivableId } });
    expect((refusal as ReceivableEncumberedError).registrationNumber).toBeNull();
    expect((refusal as Error).message).not.toContain(registrationNumber);
    expect((refusal as Error).message).toContain(invoice.invoiceNumber);
  });
});
