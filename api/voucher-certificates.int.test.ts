import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDateOf } from '../domain/business-date';
import { ensurePlatformAccounts, openPartyAccounts } from '../prisma/stores/chart-of-accounts';
import { createProgram } from '../prisma/stores/program-store';
import { sha256Hex } from '../prisma/stores/sha256-hex';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { createFinancingParties, TEST_PROGRAM_TERMS, type FinancingParties } from '../test/support/financings';
import { globalId, rowId } from '../test/support/global-ids';
import { testLogger } from '../test/support/logger';
import { createActor, type TestActor } from '../test/support/parties';
import { compactText, extractPdfText } from '../test/support/pdf';
import { actorOf, uniqueInvoiceNumber } from '../test/support/receivables';
import { createTestWorker, type TestWorker } from '../test/support/worker';
import { createVoucherActivities } from '../workflows/activities/voucher-activities';

// The transfer certificates (转让凭证) of a voucher's issue and of a transfer, rendered by the
// acceptance workflow after the claim moved and served to the transfer's two parties only; and
// the lineage a funder sees of the part it finances, under silent assignment, while the core
// enterprise learns nothing of the assignment. Real HTTP, the Temporal dev server.

type Result = Record<string, any>;

const ERRORS = `... on Error { __typename code message }`;
const CERTIFICATE = `certificate { id kind fileName contentType sha256 sizeBytes url }`;
const TRANSFER = `__typename ... on VoucherTransfer { id transferNumber status toPart { id } } ${ERRORS}`;
const ISSUE = `mutation ($input: IssueVoucherInput!) { issueVoucher(input: $input) { __typename ... on Voucher { id voucherNumber parts { id } } ${ERRORS} } }`;
const PROPOSE = `mutation ($input: ProposeVoucherTransferInput!) { proposeVoucherTransfer(input: $input) { ${TRANSFER} } }`;
const DECIDE = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${TRANSFER} } }`;
const TRANSFER_QUERY = `query ($id: ID!) { node(id: $id) { ... on VoucherTransfer { transferNumber ${CERTIFICATE} } } }`;
const APPLY = `mutation ($input: ApplyForVoucherFinancingInput!) { applyForVoucherFinancing(input: $input) { __typename ... on Financing { id status } ${ERRORS} } }`;
const LINK = `partNumber tier holder { legalName } originalAmount { amount } heldAmount { amount }`;
const FINANCED = `{ vouchersFinanced(first: 10) { edges { node { part { id partNumber status chain { ${LINK} } lineage { part { partNumber } children { part { partNumber } } } } } } } }`;
const PART = `query ($id: ID!) { node(id: $id) { ... on VoucherPart { partNumber status heldAmount { amount } holding { amount } chain { partNumber } } } }`;
const VOUCHER = `query ($id: ID!) { voucher(id: $id) { voucherNumber parts { partNumber status holding { amount } holder { legalName } } } }`;

describe('voucher transfer certificates and what a funder sees', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: TestWorker;
  let running: Promise<void>;
  let parties: FinancingParties;
  let otherFunder: TestActor;
  let otherProgramId: string;
  let coreChecker: TestActor;
  let tier1: TestActor;
  let tier1Checker: TestActor;
  let holderA: TestActor;
  let holderB: TestActor;
  let stranger: TestActor;
  const today = businessDateOf(new Date());

  let voucherId: string;
  let voucherNumber: string;
  let issueTransferId: string;
  let transferToA: Result;
  let transferToB: Result;

  const T1 = '深圳市华强精密电子有限公司';
  const A = '东莞市精工模具有限公司';
  const B = '惠州市鼎盛包装有限公司';

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.prisma);
    worker = await createTestWorker(db.prisma, { taskQueue: api.taskQueue });
    running = worker.worker.run();
    const voucherTerms = { assignmentMode: 'SILENT' as const, programLimit: '20000000.00', obligorLimit: '20000000.00', admitsVoucherHolders: true, voucherHolderLimit: '5000000.00' };
    parties = await createFinancingParties(db.prisma, voucherTerms);
    // A second funder with its own silent program of the same core enterprise, for a sibling part.
    otherFunder = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['MAKER'], legalName: '深圳前海联合融资租赁有限公司' });
    await ensurePlatformAccounts(db.prisma);
    await openPartyAccounts(db.prisma, { id: otherFunder.partyId, roles: ['FUNDER'] });
    const program = await createProgram(db.prisma, await actorOf(db.prisma, parties.admin), {
      name: '联合供应链保理计划',
      funderCreditCode: otherFunder.creditCode,
      coreCreditCode: parties.core.creditCode,
      currency: 'CNY',
      terms: { ...TEST_PROGRAM_TERMS, ...voucherTerms },
    });
    otherProgramId = program.id;
    coreChecker = await createActor(db.prisma, { partyId: parties.core.partyId, userRoles: ['CHECKER'] });
    tier1 = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: T1 });
    tier1Checker = await createActor(db.prisma, { partyId: tier1.partyId, userRoles: ['CHECKER'] });
    holderA = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: A });
    holderB = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: B });
    stranger = await createActor(db.prisma, { partyRoles: ['SUPPLIER'], legalName: '珠海市远航物流有限公司' });
    for (const holder of [tier1, holderA, holderB, stranger]) await openPartyAccounts(db.prisma, { id: holder.partyId, roles: ['SUPPLIER'] });
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await running;
    await api?.close();
    await db?.drop();
  });

  const invoice = (amount: string) => ({ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount, issueDate: addDays(today, -10) });
  const decide = async (name: string, by: TestActor, id: string) => (await api.call(by.token, DECIDE(name), { id })) as Result;

  async function transfer(to: TestActor, fromPartId: string, amount: string): Promise<Result> {
    const proposed = await api.call(tier1.token, PROPOSE, {
      input: { fromPartId, recipientCreditCode: to.creditCode, contractNumber: 'CG-2026-0101', currency: 'CNY', amount, invoices: [invoice(amount)], idempotencyKey: `t-${uniqueInvoiceNumber()}` },
    });
    expect(proposed.status).toBe('PENDING_APPROVAL');
    expect((await decide('approveVoucherTransfer', tier1Checker, proposed.id)).status).toBe('PENDING_ACCEPTANCE');
    const accepted = await decide('acceptVoucherTransfer', to, proposed.id);
    expect(accepted.status).toBe('ACCEPTED');
    return accepted;
  }

  /** The certificate as one party sees it, once the workflow stored it (it follows the acceptance). */
  async function certificateSeenBy(actor: TestActor, transferGlobalId: string): Promise<Result | null> {
    const until = Date.now() + 45_000;
    for (;;) {
      const stored = await db.prisma.document.count({ where: { voucherTransferId: rowId(transferGlobalId), kind: 'TRANSFER_CERTIFICATE' } });
      if (stored === 1 || Date.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seen = await api.call(actor.token, TRANSFER_QUERY, { id: transferGlobalId });
    return seen.certificate ?? null;
  }

  async function download(actor: TestActor, url: string): Promise<{ status: number; bytes: Uint8Array; sha256: string | null }> {
    const response = await fetch(new URL(url, api.url), { headers: { authorization: `Bearer ${actor.token}` } });
    return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()), sha256: response.headers.get('x-content-sha256') };
  }

  it('issues a voucher, and tier 1 transfers parts of it to A and B', async () => {
    const issued = await api.call(parties.core.token, ISSUE, {
      input: { holderCreditCode: tier1.creditCode, contractNumber: 'HT-2026-0815', currency: 'CNY', amount: '3000000.00', dueDate: addDays(today, 90), invoices: [invoice('3000000.00')], idempotencyKey: `issue-${uniqueInvoiceNumber()}` },
    });
    expect(issued.__typename).toBe('Voucher');
    voucherId = issued.id;
    voucherNumber = issued.voucherNumber;
    issueTransferId = globalId('VoucherTransfer', (await db.prisma.voucherTransfer.findFirstOrThrow({ where: { voucherId: rowId(voucherId) } })).id);
    expect((await decide('approveVoucherTransfer', coreChecker, issueTransferId)).status).toBe('PENDING_ACCEPTANCE');
    expect((await decide('acceptVoucherTransfer', tier1, issueTransferId)).status).toBe('ACCEPTED');
    transferToA = await transfer(holderA, issued.parts[0].id, '2000000.00');
    transferToB = await transfer(holderB, issued.parts[0].id, '500000.00');
  });

  it('serves the issue certificate to the core enterprise and the first holder, the same bytes as listed', async () => {
    for (const party of [parties.core, tier1]) {
      const certificate = await certificateSeenBy(party, issueTransferId);
      expect(certificate).toMatchObject({ kind: 'TRANSFER_CERTIFICATE', contentType: 'application/pdf', fileName: `${voucherNumber}-T0001-transfer-certificate.pdf` });
      const got = await download(party, certificate!.url);
      expect(got.status).toBe(200);
      expect(got.bytes.byteLength).toBe(certificate!.sizeBytes);
      expect(sha256Hex(got.bytes)).toBe(certificate!.sha256);
      expect(got.sha256).toBe(certificate!.sha256);
      const text = compactText((await extractPdfText(got.bytes)).join('\n'));
      for (const expected of [`${voucherNumber}-T0001`, `${voucherNumber}-0001`, T1, '广州云海智能制造集团股份有限公司', 'CNY 3,000,000.00', '人民币叁佰万元整', '开立 Issue']) expect(text).toContain(compactText(expected));
    }
  });

  it("serves a transfer's certificate, with the chain from the issue to the recipient, to its transferor and its recipient only", async () => {
    const asTransferor = await certificateSeenBy(tier1, transferToA.id);
    const asRecipient = await certificateSeenBy(holderA, transferToA.id);
    expect(asTransferor).not.toBeNull();
    expect(asRecipient).toEqual(asTransferor);
    for (const party of [tier1, holderA]) {
      const got = await download(party, asTransferor!.url);
      expect(got.status).toBe(200);
      expect(sha256Hex(got.bytes)).toBe(asTransferor!.sha256);
      const text = compactText((await extractPdfText(got.bytes)).join('\n'));
      for (const expected of [transferToA.transferNumber, `${voucherNumber}-0001`, `${voucherNumber}-0002`, T1, A, 'CNY 2,000,000.00', '人民币贰佰万元整', '流转链']) expect(text).toContain(compactText(expected));
      // The sibling's transfer is not part of A's chain.
      expect(text).not.toContain(compactText(B));
    }
    // The issuer sees the transfer, not the certificate between two holders; B and a stranger see neither.
    expect((await api.call(parties.core.token, TRANSFER_QUERY, { id: transferToA.id })).certificate).toBeNull();
    expect(await api.call(stranger.token, TRANSFER_QUERY, { id: transferToA.id })).toEqual({});
    expect(await api.call(holderB.token, TRANSFER_QUERY, { id: transferToA.id })).toEqual({});
    for (const other of [parties.core, holderB, stranger, parties.funder]) {
      const refused = await download(other, asTransferor!.url);
      expect(refused.status).toBe(404);
      expect(new TextDecoder().decode(refused.bytes)).not.toContain('%PDF');
    }
    // node(id) of the document answers null to another party, as for a missing one.
    const NODE = `query ($id: ID!) { node(id: $id) { id } }`;
    expect((await api.request(holderB.token, NODE, { id: asTransferor!.id })).data).toEqual({ node: null });
  });

  it('stores one certificate per transfer when the rendering is retried, even concurrently', async () => {
    const activities = createVoucherActivities({ prisma: db.prisma, logger: testLogger });
    const transferId = rowId(transferToB.id);
    await certificateSeenBy(tier1, transferToB.id);
    const stored = await db.prisma.document.findFirstOrThrow({ where: { voucherTransferId: transferId } });
    const again = await Promise.all([activities.generateTransferCertificate({ transferId }), activities.generateTransferCertificate({ transferId })]);
    expect(again).toEqual([
      { documentId: stored.id, sha256: stored.sha256 },
      { documentId: stored.id, sha256: stored.sha256 },
    ]);
    expect(await db.prisma.document.count({ where: { voucherTransferId: transferId } })).toBe(1);
    expect(await db.prisma.document.count({ where: { kind: 'TRANSFER_CERTIFICATE' } })).toBe(3);
  });

  it('lets a funder see the chain of the part it finances, and nothing of the sibling another funder finances', async () => {
    const apply = (by: TestActor, partId: string, programId: string, amount: string) =>
      api.call(by.token, APPLY, { input: { partId, programId: globalId('Program', programId), amount, idempotencyKey: `vf-${uniqueInvoiceNumber()}` } });
    expect((await apply(holderA, transferToA.toPart.id, parties.programId, '1600000.00')).__typename).toBe('Financing');
    expect((await apply(holderB, transferToB.toPart.id, otherProgramId, '400000.00')).__typename).toBe('Financing');

    const financed = (await api.call(parties.funder.token, FINANCED)).edges.map((edge: Result) => edge.node.part);
    expect(financed).toHaveLength(1);
    expect(financed[0].chain).toEqual([
      { partNumber: `${voucherNumber}-0001`, tier: 1, holder: { legalName: T1 }, originalAmount: { amount: '3000000.00' }, heldAmount: { amount: '500000.00' } },
      { partNumber: `${voucherNumber}-0002`, tier: 2, holder: { legalName: A }, originalAmount: { amount: '2000000.00' }, heldAmount: { amount: '2000000.00' } },
    ]);
    expect(financed[0].lineage).toEqual({ part: { partNumber: `${voucherNumber}-0002` }, children: [] });
    expect(financed[0].status).toBe('FINANCING');
    // The voucher as the funder sees it: the chain, not the sibling; the sibling itself is not found.
    const seenByFunder = await api.call(parties.funder.token, VOUCHER, { id: voucherId });
    expect(seenByFunder.parts.map((part: Result) => part.holder.legalName)).toEqual([T1, A]);
    expect(await api.call(parties.funder.token, PART, { id: transferToB.toPart.id })).toEqual({});
    expect((await api.call(parties.funder.token, PART, { id: transferToA.toPart.id })).chain).toHaveLength(2);
    // The other funder, the mirror image.
    const seenByOther = await api.call(otherFunder.token, VOUCHER, { id: voucherId });
    expect(seenByOther.parts.map((part: Result) => part.holder.legalName)).toEqual([T1, B]);
    expect(await api.call(otherFunder.token, PART, { id: transferToA.toPart.id })).toEqual({});
    // A funder with no financing of the voucher sees nothing of it.
    const thirdFunder = await createActor(db.prisma, { partyRoles: ['FUNDER'], userRoles: ['MAKER'] });
    expect((await api.request(thirdFunder.token, VOUCHER, { id: voucherId })).data).toEqual({ voucher: null });
  });

  it('tells the core enterprise nothing of a silent assignment through any voucher field', async () => {
    const seenByCore = await api.call(parties.core.token, VOUCHER, { id: voucherId });
    expect(seenByCore.parts).toEqual([
      { partNumber: `${voucherNumber}-0001`, status: 'ACTIVE', holding: { amount: '500000.00' }, holder: { legalName: T1 } },
      { partNumber: `${voucherNumber}-0002`, status: 'ACTIVE', holding: { amount: '2000000.00' }, holder: { legalName: A } },
      { partNumber: `${voucherNumber}-0003`, status: 'ACTIVE', holding: { amount: '500000.00' }, holder: { legalName: B } },
    ]);
    const partA = await api.call(parties.core.token, PART, { id: transferToA.toPart.id });
    expect(partA).toMatchObject({ status: 'ACTIVE', heldAmount: { amount: '2000000.00' }, holding: { amount: '2000000.00' } });
    // The holder itself knows its own financing.
    expect((await api.call(holderA.token, PART, { id: transferToA.toPart.id })).status).toBe('FINANCING');
  });
});
