import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { startTestApi, type TestApi } from '../test/support/api';
import { createActor, type TestActor } from '../test/support/parties';

// The API as served takes large queries in turns (docs/api.md, "Large queries take turns"): with
// one turn and no time to wait for it, pages asked for together are answered one executed and
// the rest 503 SERVICE_UNAVAILABLE with Retry-After, while the viewer, asked for beside them, is
// answered at once.

// 100 receivables of four fields and two objects: 100 × (2 + 4 + 2 × 4) = 1,400, a large query.
const PAGE = '{ receivables(first: 100) { edges { node { id status contractNumber dueDate faceAmount { amount currency } confirmedAmount { amount currency } } } } }';

describe('large queries over HTTP', () => {
  let db: TestDatabase;
  let api: TestApi;
  let supplier: TestActor;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma, { heavyQueries: { atOnce: 1, waitMs: 1 } });
    supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['MAKER'] });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('executes one page at a time and tells the pages that could not wait to try again, while the viewer is answered', async () => {
    const [viewer, ...pages] = await Promise.all([api.request(supplier.token, '{ viewer { user { id } } }'), ...Array.from({ length: 12 }, () => api.request(supplier.token, PAGE))]);

    expect(viewer.status).toBe(200);
    expect(viewer.errors).toBeUndefined();
    const answered = pages.filter((page) => page.status === 200);
    const refused = pages.filter((page) => page.status === 503);
    expect(answered.length + refused.length).toBe(12);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const page of answered) expect(page.data).toEqual({ receivables: { edges: [] } });
    for (const page of refused) {
      expect(page.headers.get('retry-after')).toBe('2');
      expect(page.data).toBeUndefined();
      expect(page.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/too many large queries/), extensions: { code: 'SERVICE_UNAVAILABLE' } })]);
    }
  });
});
