import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createActor } from '../test/support/parties';
import { registrationInput } from '../test/support/receivables';

// docs/errors.md, "Errors outside the result types": a malformed scalar (a Decimal, a DateTime, a
// Date) is BAD_USER_INPUT, a code a client's program can act on. A due date on a day the calendar
// does not have, sent as a variable as every client sends its input, must be refused with that
// code, and nothing registered.

const REGISTER = `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Receivable { id } ... on Error { code message } } }`;

describe('registerReceivable with a due date that does not exist', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is refused with the code BAD_USER_INPUT, not an error without a code, and registers nothing', async () => {
    const core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER'], legalName: '广州云海智能制造集团股份有限公司' });
    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['MAKER'], legalName: '深圳市华强精密电子有限公司' });
    const nextYear = new Date().getUTCFullYear() + 1;
    const before = { receivables: await db.prisma.receivable.count(), invoices: await db.prisma.receivableInvoice.count() };

    const answer = await api.request(supplier.token, REGISTER, { input: registrationInput(core.creditCode, { dueDate: `${nextYear}-02-30` }) });

    expect(answer.status).toBeLessThan(500);
    expect(answer.data?.registerReceivable ?? null).toBeNull();
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]?.message).toMatch(/input\.dueDate/);
    // Today the error carries no code at all (no `extensions`): a client cannot tell it from any other failure.
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect({ receivables: await db.prisma.receivable.count(), invoices: await db.prisma.receivableInvoice.count() }).toEqual(before);
  });
});
