import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor, type TestActor } from '../test/support/parties';
import { registerDirectly } from '../test/support/receivables';

// The registry's fingerprint is SHA-256(obligor credit code | invoice code | invoice number)
// "after normalising case, width, spaces and dashes" (docs/workflows/receivable.md): the same
// invoice is the same however it is typed. The invoice code and number are normalised so, but
// the public check takes the obligor's credit code as typed: a funder whose system writes the
// code in full-width digits (as Chinese input methods do) or grouped with spaces, as printed on a
// business licence, is told an encumbered invoice is free, and may finance it a second time.

const REGISTRY = `query ($code: String!, $invoiceCode: String!, $invoiceNumber: String!) {
  registryCheck(obligorCreditCode: $code, invoiceCode: $invoiceCode, invoiceNumber: $invoiceNumber) { encumbered } }`;

const fullWidth = (value: string) => value.replace(/[0-9A-Z]/g, (character) => String.fromCharCode(character.charCodeAt(0) + 0xfee0));

describe('the registry check of an invoice, however the obligor credit code is typed', () => {
  let db: TestDatabase;
  let api: TestApi;
  let funder: TestActor;
  let core: TestActor;
  let invoice: { invoiceCode: string; invoiceNumber: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'] });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'] });
    funder = await createActor(db.prisma, { partyRoles: ['FUNDER'] });
    const receivable = await registerDirectly(db.prisma, supplier, core.creditCode);
    const [first] = await db.prisma.receivableInvoice.findMany({ where: { receivableId: receivable.id }, orderBy: { lineNumber: 'asc' } });
    invoice = { invoiceCode: first!.invoiceCode, invoiceNumber: first!.invoiceNumber };
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const encumbered = async (code: string) => (await api.call(funder.token, REGISTRY, { code, ...invoice })).encumbered as boolean;

  it('is encumbered when asked with the credit code as stored', async () => {
    expect(await encumbered(core.creditCode)).toBe(true);
  });

  it('is encumbered when asked with the credit code in full-width characters', async () => {
    expect(await encumbered(fullWidth(core.creditCode))).toBe(true);
  });

  it('is encumbered when asked with the credit code grouped by spaces or dashes', async () => {
    const code = core.creditCode;
    expect({
      spaced: await encumbered(`${code.slice(0, 6)} ${code.slice(6, 12)} ${code.slice(12)}`),
      dashed: await encumbered(`${code.slice(0, 6)}-${code.slice(6, 12)}-${code.slice(12)}`),
    }).toEqual({ spaced: true, dashed: true });
  });
});
