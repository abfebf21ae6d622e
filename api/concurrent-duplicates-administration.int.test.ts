import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROGRAM_TERMS } from '../prisma/seed';
import { sealWebhookSecret } from '../prisma/stores/webhook-secret-box';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { duplicateDelivery } from '../test/support/duplicate-delivery';
import { createFinancingParties, type FinancingParties } from '../test/support/financings';
import { globalId } from '../test/support/global-ids';
import { createActor, uniqueCreditCode } from '../test/support/parties';
import { createTestWorker, type TestWorker } from '../test/support/worker';

// Duplicate delivery over real HTTP of the user, program and webhook administration: each
// mutation sent three times at once with one request id, then a fourth time
// (test/support/duplicate-delivery.ts). None moves money; each must still happen once and answer
// every copy alike: one party, one decision on a user, one revocation, one program change, one
// replay of a webhook delivery.
//
// Covered here: createParty, rejectUser, disableUser, revokeApiKey, revokeUserApiKeys,
// createProgram, amendProgram, enrollSupplier, rejectProgramChange, replayWebhookDelivery.
// approveUser answers with a key's token shown once and is covered with the other secrets in
// concurrent-duplicates-secrets.int.test.ts.

const ERRORS = `... on WrongStateError { currentState } ... on Error { code message }`;
const USER = `__typename ... on User { id status roles } ... on Error { code message }`;
const DECIDED_USER = `${USER} ... on WrongStateError { currentState }`;
const CHANGE = `__typename ... on ProgramChange { id kind status program { id } supplier { legalName } } ... on Error { code message }`;

describe('administration delivered three times at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    parties = await createFinancingParties(db.prisma, { assignmentMode: 'SILENT' });
    // A receiver that takes every delivery at once, so that a replay ends in one attempt.
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await db?.drop();
  });

  const { send, deliveredThrice } = duplicateDelivery(() => db.prisma, () => api);

  it('createParty: one party, its accounts opened once', async () => {
    const input = { legalName: '佛山市联发五金有限公司', creditCode: uniqueCreditCode(), roles: ['SUPPLIER'] };
    const created = await deliveredThrice(parties.admin.token, `mutation ($input: CreatePartyInput!) { createParty(input: $input) { __typename ... on Party { id legalName creditCode } ... on Error { code message } } }`, { input });
    expect(created).toMatchObject({ __typename: 'Party', legalName: input.legalName, creditCode: input.creditCode });
    expect(await db.prisma.party.count({ where: { creditCode: input.creditCode } })).toBe(1);
    // A new request for the same credit code is still refused.
    expect(await send(parties.admin.token, `mutation ($input: CreatePartyInput!) { createParty(input: $input) { __typename ... on Error { code message } } }`, { input }, randomUUID())).toMatchObject({ __typename: 'ConflictError', code: 'CREDIT_CODE_TAKEN' });
  });

  it('rejectUser, disableUser: one decision each', async () => {
    const first = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const second = await createActor(db.prisma, { partyId: first.partyId, userRoles: ['ADMIN'] });
    const proposed = await send(first.token, `mutation ($input: CreateUserInput!) { createUser(input: $input) { ${USER} } }`, {
      input: { partyId: globalId('Party', first.partyId), email: `cashier-${randomUUID().slice(0, 8)}@example.com`, displayName: '出纳 王芳', roles: ['MAKER'] },
    }, randomUUID());
    expect(await deliveredThrice(second.token, `mutation ($id: ID!) { rejectUser(id: $id) { ${DECIDED_USER} } }`, { id: proposed.id })).toMatchObject({ __typename: 'User', status: 'REJECTED' });
    // Another decision on the decided user is still refused.
    expect(await send(second.token, `mutation ($id: ID!) { rejectUser(id: $id) { ${DECIDED_USER} } }`, { id: proposed.id }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });

    const leaving = await createActor(db.prisma, { partyId: first.partyId, userRoles: ['MAKER'] });
    expect(await deliveredThrice(first.token, `mutation ($id: ID!) { disableUser(id: $id) { ${USER} } }`, { id: globalId('User', leaving.userId) })).toMatchObject({ __typename: 'User', status: 'DISABLED' });
    const disabled = await db.prisma.user.findUniqueOrThrow({ where: { id: leaving.userId } });
    expect(disabled.disabledAt).not.toBeNull();
    expect(await db.prisma.apiKey.count({ where: { userId: leaving.userId, revokedAt: null } })).toBe(0);
    // One disabling: the user's time is its keys' revocation time, not a later copy's.
    const keys = await db.prisma.apiKey.findMany({ where: { userId: leaving.userId } });
    expect(keys.map((key) => key.revokedAt?.toISOString())).toEqual(keys.map(() => disabled.disabledAt?.toISOString()));
  });

  it('revokeApiKey, revokeUserApiKeys: each key revoked once', async () => {
    const holder = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const other = await createActor(db.prisma, { partyId: holder.partyId, userRoles: ['MAKER'] });
    const otherKey = (await db.prisma.apiKey.findFirstOrThrow({ where: { userId: other.userId } })).id;
    const revoked = await deliveredThrice(holder.token, `mutation ($id: ID!) { revokeApiKey(id: $id) { __typename ... on ApiKey { id keyId revokedAt } ... on Error { code message } } }`, { id: globalId('ApiKey', otherKey) });
    expect(revoked).toMatchObject({ __typename: 'ApiKey', revokedAt: expect.any(String) });
    expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id: otherKey } })).revokedAt!.toISOString()).toBe(revoked.revokedAt);

    const third = await createActor(db.prisma, { partyId: holder.partyId, userRoles: ['MAKER'] });
    expect(await deliveredThrice(holder.token, `mutation ($id: ID!) { revokeUserApiKeys(id: $id) { ${USER} } }`, { id: globalId('User', third.userId) })).toMatchObject({ __typename: 'User', status: 'ACTIVE' });
    expect(await db.prisma.apiKey.count({ where: { userId: third.userId, revokedAt: null } })).toBe(0);
  });

  it('createProgram, amendProgram, enrollSupplier, rejectProgramChange: one change each, rejected once', async () => {
    const funder = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['CHECKER'], legalName: '深圳前海联合商业保理有限公司' });
    const created = await deliveredThrice(parties.admin.token, `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { ${CHANGE} } }`, {
      input: { name: '联合凭证计划', funderCreditCode: funder.creditCode, coreCreditCode: parties.core.creditCode, currency: 'CNY', terms: DEMO_PROGRAM_TERMS },
    });
    expect(created).toMatchObject({ __typename: 'ProgramChange', kind: 'CREATE_PROGRAM', status: 'PROPOSED' });
    expect(await db.prisma.programChange.count({ where: { kind: 'CREATE_PROGRAM', status: 'PROPOSED' } })).toBe(1);

    const programId = globalId('Program', parties.programId);
    const amended = await deliveredThrice(parties.admin.token, `mutation ($id: ID!, $terms: ProgramTermsInput!) { amendProgram(id: $id, terms: $terms) { ${CHANGE} } }`, { id: programId, terms: { ...DEMO_PROGRAM_TERMS, annualRate: '0.07' } });
    expect(amended).toMatchObject({ __typename: 'ProgramChange', kind: 'AMEND_TERMS', status: 'PROPOSED' });
    expect(await db.prisma.programChange.count({ where: { programId: parties.programId, kind: 'AMEND_TERMS' } })).toBe(1);

    const supplier = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '惠州市鼎盛包装有限公司' });
    const enrolled = await deliveredThrice(parties.admin.token, `mutation ($id: ID!, $code: String!) { enrollSupplier(programId: $id, supplierCreditCode: $code) { ${CHANGE} } }`, { id: programId, code: supplier.creditCode });
    expect(enrolled).toMatchObject({ __typename: 'ProgramChange', kind: 'ENROLL_SUPPLIER', status: 'PROPOSED', supplier: { legalName: '惠州市鼎盛包装有限公司' } });
    expect(await db.prisma.programChange.count({ where: { programId: parties.programId, kind: 'ENROLL_SUPPLIER' } })).toBe(1);

    const reject = `mutation ($id: ID!, $reason: String!) { rejectProgramChange(id: $id, reason: $reason) { ${CHANGE} ... on WrongStateError { currentState } } }`;
    expect(await deliveredThrice(parties.funderChecker.token, reject, { id: amended.id, reason: '利率未经授信委员会审批' })).toMatchObject({ __typename: 'ProgramChange', status: 'REJECTED' });
    // Another rejection of the rejected change is still refused.
    expect(await send(parties.funderChecker.token, reject, { id: amended.id, reason: '利率未经授信委员会审批' }, randomUUID())).toMatchObject({ __typename: 'WrongStateError', currentState: 'REJECTED' });
  });

  it('replayWebhookDelivery: replayed once, one attempt more', async () => {
    const admin = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN'] });
    const endpoint = await db.prisma.webhookEndpoint.create({
      data: { partyId: admin.partyId, url: receiverUrl, eventTypes: ['FINANCING_UPDATED'], status: 'ACTIVE', secretCiphertext: sealWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), createdByUserId: admin.userId },
    });
    const delivery = await db.prisma.webhookDelivery.create({
      data: { endpointId: endpoint.id, eventId: 9_000_001n, eventType: 'FINANCING_UPDATED', payload: { type: 'FINANCING_UPDATED', data: { status: 'DISBURSED' } }, status: 'FAILED', occurredAt: new Date() },
    });
    const replay = `mutation ($id: ID!) { replayWebhookDelivery(id: $id) { __typename ... on WebhookDelivery { id eventId } ${ERRORS} } }`;
    expect(await deliveredThrice(admin.token, replay, { id: globalId('WebhookDelivery', delivery.id) })).toMatchObject({ __typename: 'WebhookDelivery', id: globalId('WebhookDelivery', delivery.id) });
    const replayed = await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(replayed).toMatchObject({ replays: 1, status: 'DELIVERED' });
    expect(await db.prisma.webhookAttempt.count({ where: { deliveryId: delivery.id } })).toBe(1);
  });
});
