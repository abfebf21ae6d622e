import type { TadaDocumentNode } from 'gql.tada';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSimulator } from '../../bank/simulator/bank-simulator';
import { Decimal } from '../../domain/money';
import { openPartyAccounts } from '../../prisma/stores/chart-of-accounts';
import { enrollSupplier } from '../../prisma/stores/program-store';
import { startTestApi, type TestApi } from '../../test/support/api';
import { freePort } from '../../scripts/lib/free-port';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { createFinancingParties, type FinancingParties } from '../../test/support/financings';
import { rowId } from '../../test/support/global-ids';
import { testLogger } from '../../test/support/logger';
import { createActor, type TestActor } from '../../test/support/parties';
import { actorOf, registrationInput } from '../../test/support/receivables';
import { createTestWorker, type TestWorker } from '../../test/support/worker';
import { bookInboundCredits } from '../../use-cases/book-inbound-credits';
import { dispatchWebhookDeliveries } from '../../use-cases/dispatch-webhook-deliveries';
import type { Repeating } from '../../workflows/worker/repeat-every';
import { startWebhookDispatch } from '../../workflows/worker/webhook-dispatch';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook-receiver';
import {
  AcknowledgeAssignment,
  ApplyForFinancing,
  ApprovePayoutAccount,
  ApproveFinancing,
  ApproveWebhookEndpoint,
  ConfirmApproval,
  ConfirmReceivable,
  FinancingDetail,
  FinancingUpdated,
  Programs,
  QuoteFinancing,
  RegisterPayoutAccount,
  RegisterReceivable,
  RegisterWebhookEndpoint,
  TopUpInstructions,
} from './documents';
import type { ResultOf } from './graphql';
import { typedClient, type TypedClient } from './typed-client';
import type { SseSubscription } from './subscribe-over-sse';

// The README's walk, end to end over real HTTP with the typed client only: the supplier
// registers a receivable, the core enterprise confirms it, the supplier applies, the core
// enterprise acknowledges, the funder's maker and checker approve, the funder tops up, the
// workflow pays the supplier out through the bank, and the core enterprise's repayment settles
// the financing. Meanwhile the supplier watches `financingUpdated(id)` over server-sent events,
// and what it receives must follow the financing's lifecycle in order; its ERP, a webhook
// receiver, must be sent one signed FINANCING_UPDATED per step, each with the status that step
// committed. The bank (the simulator) is played directly: it is not a party and has no place in
// the API every deployment serves.

type FinancingEvent = NonNullable<ResultOf<typeof FinancingUpdated>['financingUpdated']>;

/** The statuses a financing that is paid on time passes through, in order. */
const LIFECYCLE = ['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION', 'APPROVED', 'FUNDING_PENDING', 'DISBURSING', 'DISBURSED', 'SETTLED'] as const;
const SUPPLIER_NAME = '深圳市华强精密电子有限公司';

describe('the typed client walks one financing from registration to settlement', () => {
  let db: TestDatabase;
  let bank: BankSimulator;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  let supplierMaker: TestActor;
  let supplierChecker: TestActor;
  const watchers: Array<{ close(): void }> = [];
  let erp: WebhookReceiver | undefined;
  let dispatch: Repeating | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    bank = new BankSimulator({ pool: db.url });
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue, bank });
    running = worker.worker.run();
    // What every worker process runs beside its workflows: starting the webhooks' deliveries.
    dispatch = startWebhookDispatch(() => dispatchWebhookDeliveries({ prisma: db.prisma, temporal: api.temporal, taskQueue: api.taskQueue, logger: testLogger }), testLogger, 200);
    // Onboarding is the operator's, before the walk: the funder, the core enterprise, their
    // program, and the supplier enrolled in it with two users (one proposes, one approves).
    parties = await createFinancingParties(db.prisma);
    supplierMaker = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'], legalName: SUPPLIER_NAME });
    supplierChecker = await createActor(db.prisma, { partyId: supplierMaker.partyId, userRoles: ['ADMIN', 'CHECKER'] });
    await openPartyAccounts(db.prisma, { id: supplierMaker.partyId, roles: ['SUPPLIER'] });
    await enrollSupplier(db.prisma, await actorOf(db.prisma, parties.admin), parties.programId, supplierMaker.creditCode);
  });

  afterAll(async () => {
    for (const watcher of watchers) watcher.close();
    await dispatch?.stop();
    await erp?.close();
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await bank?.close();
    await db?.drop();
  });

  /** The bank receives a payment to a virtual account number; the inbound poller books it and wakes the workflows concerned. */
  async function bankReceives(virtualAccountNumber: string, amount: string, payerName: string) {
    await bank.receiveInboundCredit({ virtualAccountNumber, amount, currency: 'CNY', payerName, payerAccountNumber: '6222000011112222', remittanceInformation: 'walk' });
    await bookInboundCredits({ prisma: db.prisma, bank, temporal: api.temporal, logger: testLogger });
  }

  it('answers each party with typed results, streams every status change to the supplier in order, and sends its ERP one signed webhook per step', async () => {
    const supplier = typedClient(api.url, supplierMaker.token);
    const supplierSecondUser = typedClient(api.url, supplierChecker.token);
    const core = typedClient(api.url, parties.core.token);
    const funderMaker = typedClient(api.url, parties.funder.token);
    const funderChecker = typedClient(api.url, parties.funderChecker.token);

    // Supplier: register the receivable.
    const input = registrationInput(parties.core.creditCode);
    const registered = (await supplier.request(RegisterReceivable, { input: { ...input, invoices: input.invoices.map((invoice) => ({ ...invoice })) } })).registerReceivable;
    if (registered.__typename !== 'Receivable') throw new Error(`registration refused: ${JSON.stringify(registered)}`);
    expect(registered.status).toBe('REGISTERED');

    // Core enterprise: confirm the debt.
    const confirmed = (await core.request(ConfirmReceivable, { id: registered.id, confirmedAmount: '1000000.00' })).confirmReceivable;
    expect(confirmed).toMatchObject({ __typename: 'Receivable', status: 'CONFIRMED' });

    // Supplier: where the money goes, proposed by one user and approved by another.
    const proposed = (await supplier.request(RegisterPayoutAccount, { input: { accountName: SUPPLIER_NAME, accountNumber: '6222020200112233445', bankName: '招商银行深圳分行' } })).registerPayoutAccount;
    if (proposed.__typename !== 'PartyBankAccount') throw new Error(`payout account refused: ${JSON.stringify(proposed)}`);
    expect((await supplierSecondUser.request(ApprovePayoutAccount, { id: proposed.id })).approvePayoutAccount).toMatchObject({ __typename: 'PartyBankAccount' });

    // Supplier: its ERP's webhook endpoint, also with four eyes; the secret is shown this once.
    const erpPort = await freePort();
    const endpoint = (await supplier.request(RegisterWebhookEndpoint, { input: { url: `http://127.0.0.1:${erpPort}/webhooks`, eventTypes: ['FINANCING_UPDATED'] } })).registerWebhookEndpoint;
    if (endpoint.__typename !== 'WebhookEndpointWithSecret') throw new Error(`endpoint refused: ${JSON.stringify(endpoint)}`);
    erp = await startWebhookReceiver({ secret: endpoint.secret }, erpPort);
    expect((await supplierSecondUser.request(ApproveWebhookEndpoint, { id: endpoint.endpoint.id })).approveWebhookEndpoint).toMatchObject({ __typename: 'WebhookEndpoint', status: 'ACTIVE' });

    // Supplier: the program, the quote, the application.
    const programId = (await supplier.request(Programs, {})).programs?.edges[0]?.node?.id;
    if (!programId) throw new Error('the supplier sees no program');
    const quote = (await supplier.request(QuoteFinancing, { receivableId: registered.id, programId, amount: '800000.00' })).quoteFinancing;
    if (quote?.__typename !== 'FinancingQuote') throw new Error(`quote refused: ${JSON.stringify(quote)}`);
    const applied = (await supplier.request(ApplyForFinancing, { input: { receivableId: registered.id, programId, amount: '800000.00', idempotencyKey: 'walk-apply' } })).applyForFinancing;
    if (applied.__typename !== 'Financing') throw new Error(`application refused: ${JSON.stringify(applied)}`);
    expect(applied.status).toBe('PENDING_ACKNOWLEDGEMENT');

    // The supplier subscribes to this financing from its first event on (`after: "0"`), so
    // nothing between the application and the subscription is missed.
    const updates: SseSubscription<ResultOf<typeof FinancingUpdated>> = await supplier.subscribe(FinancingUpdated, { id: applied.id, after: '0' });
    watchers.push(updates);
    expect(updates.status).toBe(200);
    const received: FinancingEvent[] = [];
    /** Reads the supplier's stream until the financing is reported in `status`. */
    const reported = async (status: FinancingEvent['status']) => {
      while (received.at(-1)?.status !== status) {
        const result = await updates.next();
        expect(result.errors).toBeUndefined();
        received.push(result.data!.financingUpdated);
      }
    };
    await reported('PENDING_ACKNOWLEDGEMENT');

    // Core enterprise: acknowledge the assignment. Funder: the maker approves, the checker confirms.
    await expectStatus(core, AcknowledgeAssignment, applied.id, 'PENDING_APPROVAL');
    await reported('PENDING_APPROVAL');
    await expectStatus(funderMaker, ApproveFinancing, applied.id, 'PENDING_CONFIRMATION');
    await reported('PENDING_CONFIRMATION');
    await expectStatus(funderChecker, ConfirmApproval, applied.id, 'APPROVED');
    // The funder has no money yet: the workflow waits for it.
    await reported('FUNDING_PENDING');

    // Funder: where to pay, then the bank receives the top-up and the workflow pays out.
    const funding = (await funderMaker.request(TopUpInstructions, {})).topUpInstructions.find((instruction) => instruction.purpose === 'FUNDER_FUNDING');
    expect(funding?.virtualAccountNumber).toMatch(/^\d+$/);
    await bankReceives(funding!.virtualAccountNumber, '800000.00', '前海恒信商业保理有限公司');
    await reported('DISBURSED');

    // Core enterprise pays what is due into the financing's collection account.
    const disbursed = (await supplier.request(FinancingDetail, { id: applied.id })).financing!;
    // The advance less the interest taken up front (the fee is the platform's, out of that).
    expect(disbursed.disbursed).toEqual({ amount: new Decimal('800000.00').minus(quote.interest.amount).toFixed(2), currency: 'CNY' });
    expect(disbursed.receivable.status).toBe('FINANCED');
    await bankReceives(disbursed.collectionAccount!.virtualAccountNumber, disbursed.outstanding.total.amount, '广州云海智能制造集团股份有限公司');
    await reported('SETTLED');

    const settled = (await supplier.request(FinancingDetail, { id: applied.id })).financing!;
    expect(settled).toMatchObject({ status: 'SETTLED', receivable: { status: 'SETTLED' }, outstanding: { total: { amount: '0.00' } } });
    expect(settled.settledAt).not.toBeNull();

    // Every event is about this financing, and its statuses follow the lifecycle: each step
    // after the one before (a step the workflow took faster than the stream delivered is
    // reported as the financing then was), ending settled.
    expect(received.every((event) => event.id === applied.id && event.financingNumber === received[0]!.financingNumber)).toBe(true);
    const positions = received.map((event) => LIFECYCLE.indexOf(event.status as (typeof LIFECYCLE)[number]));
    expect(positions.every((position) => position >= 0), JSON.stringify(received)).toBe(true);
    expect(positions.every((position, index) => index === 0 || position >= positions[index - 1]!), JSON.stringify(received)).toBe(true);
    expect(received.at(-1)!.status).toBe('SETTLED');
    // The financing's own history is the lifecycle exactly, and the stream sent one event per step of it.
    expect(settled.history.map((step) => step.toStatus)).toEqual([...LIFECYCLE]);
    expect(received.length).toBe(settled.history.length);
    // Each state the parties' own actions set was seen by the supplier, in the lifecycle's order.
    const seen = [...new Set(received.map((event) => event.status))];
    for (const status of ['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION', 'FUNDING_PENDING', 'DISBURSED', 'SETTLED'] as const) expect(seen).toContain(status);

    // The ERP: one verified webhook per step, each carrying the status its step committed, so
    // in event order they are the lifecycle exactly, however fast the workflow moved on.
    const webhooks = erp;
    const deadline = performance.now() + 20_000;
    while (webhooks.received.length < LIFECYCLE.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const inOrder = [...webhooks.received].sort((a, b) => Number(BigInt(a.payload.eventId) - BigInt(b.payload.eventId)));
    expect(inOrder.map((webhook) => webhook.payload.data.status)).toEqual([...LIFECYCLE]);
    expect(inOrder.every((webhook) => webhook.payload.type === 'FINANCING_UPDATED' && webhook.payload.data.financingId === rowId(applied.id))).toBe(true);
    expect(webhooks.rejected).toBe(0);
  }, 60_000);
});

/** Sends one of the decision mutations and checks the financing's new status. */
async function expectStatus<Result extends Record<string, unknown>>(client: TypedClient, document: TadaDocumentNode<Result, { id: string }>, id: string, status: string) {
  const result = Object.values(await client.request(document, { id }))[0] as { __typename: string; status?: string };
  expect(result, JSON.stringify(result)).toMatchObject({ __typename: 'Financing', status });
}
