import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../prisma/stores/program-store';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { TEST_PROGRAM_TERMS } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, type TestActor } from '../test/support/parties';
import { actorOf } from '../test/support/receivables';

// A funder runs two programs with the same core enterprise, one in yuan and one in dollars. Its
// limit on the core enterprise is one account per currency (funder:…:obligor:…:CREDIT_LIMIT:CNY
// and …:USD). A program's `limits` are that program's: its total, its suppliers' and the
// funder's obligor limit in the program's currency. The yuan program must not list the dollar
// obligor limit beside its own: a screen (or a client summing what is available) would count
// dollars as yuan, and the program would seem to have two obligor limits.

type Result = Record<string, any>;

const LIMITS = `query ($id: ID!) { program(id: $id) { currency limits { totalCount edges { node { kind granted { amount currency } available { amount currency } } } } } }`;

describe('a program lists only the limits in its own currency', () => {
  let db: TestDatabase;
  let api: TestApi;
  let funder: TestActor;
  let core: TestActor;
  let yuanProgramId: string;
  let dollarProgramId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    const admin = await createActor(db.prisma, { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'] });
    funder = await createActor(db.prisma, { partyRoles: ['FUNDER'], legalName: '前海恒信商业保理有限公司' });
    core = await createActor(db.prisma, { partyRoles: ['CORE_ENTERPRISE'], legalName: '广州云海智能制造集团股份有限公司' });
    const operator = await actorOf(db.prisma, admin);
    yuanProgramId = (await createProgram(db.prisma, operator, { name: '云海人民币计划', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'CNY', terms: { ...TEST_PROGRAM_TERMS, obligorLimit: '5000000.00' } })).id;
    dollarProgramId = (await createProgram(db.prisma, operator, { name: '云海美元计划', funderCreditCode: funder.creditCode, coreCreditCode: core.creditCode, currency: 'USD', terms: { ...TEST_PROGRAM_TERMS, obligorLimit: '700000.00' } })).id;
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  for (const who of ['funder', 'core enterprise'] as const) {
    it(`shows the ${who} the yuan program's limits in yuan only, with one obligor limit`, async () => {
      const viewer = who === 'funder' ? funder : core;
      for (const [programId, currency, obligor] of [[yuanProgramId, 'CNY', '5000000.00'], [dollarProgramId, 'USD', '700000.00']] as const) {
        const program = (await api.call(viewer.token, LIMITS, { id: globalId('Program', programId) })) as Result;
        expect(program.currency).toBe(currency);
        const limits = program.limits.edges.map((edge: Result) => edge.node);
        expect(limits.filter((limit: Result) => limit.kind === 'OBLIGOR')).toEqual([
          { kind: 'OBLIGOR', granted: { amount: obligor, currency }, available: { amount: obligor, currency } },
        ]);
        expect(limits.map((limit: Result) => limit.granted.currency)).toEqual(limits.map(() => currency));
        expect(program.limits.totalCount).toBe(2);
      }
    });
  }
});
