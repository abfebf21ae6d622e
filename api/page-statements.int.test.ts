import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../prisma/client';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createPageWorld, type PageWorld } from '../test/support/page-world';
import type { TestActor } from '../test/support/parties';

// A page's SQL statements do not grow with the page (no N+1): each list with its nested fields
// is read as a page of 5 and as a page of 50, counting the statements the API issues for each
// (Prisma's query events, raw statements included), and the counts must be equal. A field that
// reads the database once per row would add 45 statements to the larger page.

const PAGE_SMALL = 5;
const PAGE_LARGE = 50;

const MONEY = 'amount currency';
const COUNTERPARTY = 'partyId legalName creditCode';
const RECEIVABLE = `id registrationNumber status contractNumber faceAmount { ${MONEY} } confirmedAmount { ${MONEY} } dueDate attention { step }
  supplier { ${COUNTERPARTY} } obligor { ${COUNTERPARTY} }
  invoices { lineNumber invoiceCode invoiceNumber amount { ${MONEY} } issueDate }
  history { fromStatus toStatus actorName actorParty { legalName } }
  documents { id kind }
  latestFinancing { id financingNumber status principal { ${MONEY} } outstanding { total { ${MONEY} } } funder { ${COUNTERPARTY} } }`;
const BUCKETS = `principal { ${MONEY} } interest { ${MONEY} } fees { ${MONEY} } penalty { ${MONEY} } total { ${MONEY} }`;
const LEDGER_TRANSACTION = `id code effectiveAt reverses { id } reversedBy { id } entries { direction amount { ${MONEY} } account { id code ownerParty { legalName } } }`;
const FINANCING = `id financingNumber status principal { ${MONEY} } interest { ${MONEY} } fees { ${MONEY} } netDisbursement { ${MONEY} }
  repaymentAtMaturity { ${MONEY} } effectiveAnnualRate valueDate dueDate tenorDays approvedBy approvalConfirmedBy disbursed { ${MONEY} }
  quoted { interest { ${MONEY} } } outstanding { ${BUCKETS} } repaid { ${BUCKETS} } collectionAccount { virtualAccountNumber } attention { step }
  supplier { ${COUNTERPARTY} } funder { ${COUNTERPARTY} } obligor { ${COUNTERPARTY} }
  receivable { id registrationNumber status invoices { invoiceNumber amount { ${MONEY} } } }
  program { id name } terms { version }
  history { toStatus actorName }
  payouts(first: 2) { totalCount edges { node { id status amount { ${MONEY} } } } }
  repayments(first: 2) { totalCount edges { node { id collected { ${MONEY} } } } }`;

const PROGRAM_TERMS_AND_LIMITS = `id terms { version annualRate programLimit { ${MONEY} } }
  limits(first: 3) { totalCount edges { node { kind supplierName available { ${MONEY} } } } }
  enrolledSuppliers(first: 2) { totalCount edges { node } }`;

const LISTS: Record<string, { query: string; caller: (world: PageWorld) => TestActor }> = {
  receivables: { query: `receivables(first: $first) { totalCount edges { node { ${RECEIVABLE} } } }`, caller: (world) => world.supplier },
  'receivables (as the obligor)': { query: `receivables(first: $first) { edges { node { id status latestFinancing { id status } } } }`, caller: (world) => world.core },
  financings: { query: `financings(first: $first) { totalCount edges { node { ${FINANCING} } } }`, caller: (world) => world.supplier },
  'financings (as the funder)': { query: `financings(first: $first) { edges { node { id ledgerTransactions(first: 3) { totalCount edges { node { ${LEDGER_TRANSACTION} } } } } } }`, caller: (world) => world.funder },
  'financings (as an operator)': { query: `financings(first: $first) { edges { node { id ledgerTransactions(first: 3) { totalCount edges { node { ${LEDGER_TRANSACTION} } } } } } }`, caller: (world) => world.operator },
  accounts: { query: `accounts(first: $first) { totalCount edges { node { id code currency ownerParty { legalName } balance { posted { ${MONEY} } available { ${MONEY} } } } } }`, caller: (world) => world.operator },
  notifications: { query: `notifications(first: $first) { totalCount edges { node { id subject receivable { id registrationNumber } financing { id financingNumber funder { legalName } } } } }`, caller: (world) => world.supplier },
  programs: { query: `programs(first: $first) { totalCount edges { node { id name funder { legalName } core { legalName } termsHistory { totalCount edges { node { version } } } } } }`, caller: (world) => world.operator },
  'programs (terms, limits, enrolments)': { query: `programs(first: $first) { edges { node { ${PROGRAM_TERMS_AND_LIMITS} } } }`, caller: (world) => world.operator },
  // The funder of every program sees all their limits and enrolments without being an operator.
  'programs (terms, limits, enrolments, as the funder)': { query: `programs(first: $first) { edges { node { ${PROGRAM_TERMS_AND_LIMITS} } } }`, caller: (world) => world.funder },
  parties: { query: `parties(first: $first) { totalCount edges { node { id legalName roles users(first: 3) { totalCount edges { node { email roles } } } } } }`, caller: (world) => world.operator },
};

describe('statements per page', () => {
  let db: TestDatabase;
  let counted: PrismaClient;
  let api: TestApi;
  let world: PageWorld;
  let statements = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await createPageWorld(db.prisma, { size: PAGE_LARGE });
    const logging = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url, max: 10 }), log: [{ emit: 'event', level: 'query' }] });
    logging.$on('query', () => {
      statements += 1;
    });
    counted = logging;
    api = await startTestApi(counted);
  });

  afterAll(async () => {
    await api?.close();
    await counted?.$disconnect();
    await db?.drop();
  });

  async function page(name: string, first: number): Promise<{ statements: number; rows: number }> {
    const { query, caller } = LISTS[name]!;
    const before = statements;
    const response = await api.request<Record<string, { edges: unknown[] }>>(caller(world).token, `query ($first: Int!) { ${query} }`, { first });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return { statements: statements - before, rows: Object.values(response.data!)[0]!.edges.length };
  }

  for (const name of Object.keys(LISTS)) {
    it(`${name}: a page of ${PAGE_LARGE} issues as many statements as a page of ${PAGE_SMALL}`, async () => {
      // Once first, so that what a first request does once (the API key's last use) is behind us.
      await page(name, PAGE_SMALL);
      const small = await page(name, PAGE_SMALL);
      const large = await page(name, PAGE_LARGE);
      expect(small.rows).toBe(PAGE_SMALL);
      expect(large.rows).toBeGreaterThanOrEqual(PAGE_LARGE);
      expect({ list: name, statements: large.statements }).toEqual({ list: name, statements: small.statements });
    });
  }
});
