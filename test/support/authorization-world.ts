import type { PrismaClient } from '../../prisma/client';
import { proposeUserRoles } from '../../prisma/stores/user-role-change-store';
import { proposeTermsAmendment } from '../../prisma/stores/program-change-store';
import type { PartyRole, UserRole } from '../../domain/actor';
import { addDays, businessDateOf } from '../../domain/business-date';
import { openPartyAccounts, partyAccountCode } from '../../prisma/stores/chart-of-accounts';
import { disburse, registerBankAccount, reserveFunding } from '../../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../../prisma/stores/financing-store';
import { receiveInboundCredit, recordInboundCredit } from '../../prisma/stores/inbound-store';
import { findAccountByCode } from '../../prisma/stores/ledger/accounts';
import { proposePayoutAccount } from '../../prisma/stores/payout-account-store';
import { newWebhookSecret, sealWebhookSecret } from '../../prisma/stores/webhook-secret-box';
import { createProgram, enrollSupplier } from '../../prisma/stores/program-store';
import { decideReceivable } from '../../prisma/stores/receivable-store';
import { decideVoucherTransfer, issueVoucher } from '../../prisma/stores/voucher-store';
import { validateVoucherIssue } from '../../domain/voucher-rules';
import type { TargetType } from './authorization-matrix';
import { createFinancingParties, TEST_FINANCING_WINDOWS, TEST_PROGRAM_TERMS } from './financings';
import { globalId } from './global-ids';
import { createActor, type TestActor } from './parties';
import { actorOf, registerDirectly, uniqueInvoiceNumber } from './receivables';
import { escrowAccountIs } from './escrow-account';

// The world the authorization matrix is tried in (api/authorization-matrix.int.test.ts): a deal
// between a supplier, a core enterprise and a funder, with a silent and a disclosed financing and
// everything around them, and callers of every kind around it who are no party to it.

export interface Caller {
  label: string;
  /** Absent: a request without a token. */
  token?: string;
  partyRoles: readonly PartyRole[];
  userRoles: readonly UserRole[];
  /** The objects of others this caller is asked about, by type (global ids). */
  targets: Partial<Record<TargetType, string>>;
  /** Strings no answer to this caller may carry: other parties' ids, numbers and names. */
  secrets: string[];
}

export interface AuthorizationWorld {
  callers: Caller[];
  /** The deal's own users: the positive side of the test. */
  owners: { supplier: TestActor; core: TestActor; funder: TestActor; operator: TestActor };
  /** The deal's objects (global ids), for the owners' calls. */
  deal: Record<TargetType, string>;
  /** The silent receivable's first invoice, for the registry. */
  invoice: { obligorCreditCode: string; invoiceCode: string; invoiceNumber: string };
  /** The day and currency of the imported statement. */
  statementDate: string;
}

const USER_ROLE_CALLERS: readonly UserRole[] = ['ADMIN', 'MAKER', 'CHECKER', 'VIEWER'];
const SUPPLIER_NAME = '深圳市华强精密电子有限公司';
const PAYOUT_ACCOUNT = { accountName: SUPPLIER_NAME, accountNumber: '6222020200112233445', bankName: '中国工商银行深圳华强支行' };
const NEW_PAYOUT_ACCOUNT = { accountName: SUPPLIER_NAME, accountNumber: '6222020200998877665', bankName: '中国建设银行深圳分行' };
/** The platform's escrow account in the world: `statementCsv` writes its statements. */
export const ESCROW_ACCOUNT_NUMBER = '310066661018800000999';

/** A party of `roles` with one user of each role, for the "each party kind with each role" callers. */
async function partyWithEveryRole(prisma: PrismaClient, roles: PartyRole[]): Promise<Array<TestActor & { userRoles: UserRole[] }>> {
  const first = await createActor(prisma, { partyRoles: roles, userRoles: ['ADMIN'] });
  await openPartyAccounts(prisma, { id: first.partyId, roles });
  const rest = await Promise.all(USER_ROLE_CALLERS.slice(1).map((role) => createActor(prisma, { partyId: first.partyId, userRoles: [role] })));
  return [first, ...rest].map((actor, index) => ({ ...actor, userRoles: [USER_ROLE_CALLERS[index]!] }));
}

/** A statement of the escrow account for `date` with one credit no ledger entry explains (a BANK_ONLY reconciliation item). */
export function statementCsv(date: string): string {
  const id = `AUTHZ-${ESCROW_ACCOUNT_NUMBER}-${date}`;
  return [
    'record,statement_id,account_number,currency,statement_date,created_at,opening_balance,closing_balance,bank_reference,kind,direction,amount,booking_date,value_date,reference,end_to_end_id,debtor_name,debtor_account,creditor_name,creditor_account,remittance_information',
    `STATEMENT,${id},${ESCROW_ACCOUNT_NUMBER},CNY,${date},${date}T09:00:00.000Z,0.00,1234.56,,,,,,,,,,,,,`,
    `ENTRY,${id},,CNY,,,,,AUTHZ0000000001,INBOUND_CREDIT,CREDIT,1234.56,${date},${date},9558800000009999999,,某某贸易有限公司,6222000000000099,,9558800000009999999,unknown`,
  ].join('\n');
}

/** The objects of the deal the world makes itself; the reconciliation item comes with the statement the test imports. */
type WorldTarget = Exclude<TargetType, 'ReconciliationItem'>;

export async function createAuthorizationWorld(prisma: PrismaClient): Promise<Omit<AuthorizationWorld, 'statementDate' | 'deal'> & { deal: Record<WorldTarget, string>; operatorMaker: TestActor }> {
  const now = new Date();
  await escrowAccountIs(prisma, ESCROW_ACCOUNT_NUMBER);
  // The deal: a silent program and a disclosed one between the same funder and core enterprise.
  const parties = await createFinancingParties(prisma, { assignmentMode: 'SILENT' });
  const admin = await actorOf(prisma, parties.admin);
  const disclosed = await createProgram(prisma, admin, {
    name: '云海供应链明保理计划',
    funderCreditCode: parties.funder.creditCode,
    coreCreditCode: parties.core.creditCode,
    currency: 'CNY',
    terms: { ...TEST_PROGRAM_TERMS, assignmentMode: 'OPEN' },
  });
  const supplier = await createActor(prisma, { partyRoles: ['SUPPLIER'], userRoles: ['ADMIN', 'MAKER'], legalName: SUPPLIER_NAME });
  const supplierChecker = await createActor(prisma, { partyId: supplier.partyId, userRoles: ['CHECKER'] });
  await openPartyAccounts(prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
  const supplierActor = await actorOf(prisma, supplier);
  await enrollSupplier(prisma, admin, parties.programId, supplier.creditCode);
  await enrollSupplier(prisma, admin, disclosed.id, supplier.creditCode);
  await registerBankAccount(prisma, supplierActor, supplier.partyId, PAYOUT_ACCOUNT, now);
  const payoutAccountChange = await proposePayoutAccount(prisma, supplierActor, NEW_PAYOUT_ACCOUNT, now);

  const confirmed = async () => {
    const receivable = await registerDirectly(prisma, supplier, parties.core.creditCode, now);
    await decideReceivable(prisma, receivable.id, { kind: 'CONFIRM' }, { userId: parties.core.userId, partyId: parties.core.partyId }, `authz:${receivable.id}:confirm`, now);
    return receivable;
  };
  const silentReceivable = await confirmed();
  const disclosedReceivable = await confirmed();

  // The silent financing, disbursed: the funder tops up, approves with two people, the money goes out.
  const funding = await findAccountByCode(prisma, partyAccountCode(parties.funder.partyId, 'FUNDER_FUNDING', 'CNY'));
  await recordInboundCredit(prisma, {
    bankReference: `AUTHZ-TOPUP-${silentReceivable.id}`,
    virtualAccountNumber: funding!.virtualAccountNumber!,
    amount: '1000000.00',
    currency: 'CNY',
    payerName: '前海恒信商业保理有限公司',
    payerAccountNumber: '6222020200990011223',
    remittanceInformation: 'top-up',
    receivedAt: now,
  });
  const { financing: silent } = await applyForFinancing(prisma, supplierActor, { receivableId: silentReceivable.id, programId: parties.programId, amount: '800000.00', idempotencyKey: 'authz-silent' }, TEST_FINANCING_WINDOWS, now);
  const as = (actor: TestActor) => ({ userId: actor.userId, partyId: actor.partyId });
  await decideFinancing(prisma, silent.id, { kind: 'APPROVE' }, as(parties.funder), `authz:${silent.id}:approve`, now);
  await decideFinancing(prisma, silent.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `authz:${silent.id}:confirm`, now);
  await reserveFunding(prisma, silent.id, TEST_FINANCING_WINDOWS.fundingWindowMs, now);
  const payout = (await disburse(prisma, silent.id, now))!;
  const disbursement = await prisma.ledgerTransaction.findFirstOrThrow({ where: { entries: { some: { account: { ownerPartyId: supplier.partyId } } } }, orderBy: { createdAt: 'desc' } });

  // The disclosed financing, waiting for the core enterprise's acknowledgement.
  const { financing: open } = await applyForFinancing(prisma, supplierActor, { receivableId: disclosedReceivable.id, programId: disclosed.id, amount: '500000.00', idempotencyKey: 'authz-disclosed' }, TEST_FINANCING_WINDOWS, now);

  // Money to a virtual account nobody has: parked as an inbound exception.
  await receiveInboundCredit(prisma, {
    bankReference: `AUTHZ-UNKNOWN-${silent.id}`,
    virtualAccountNumber: '9558800000000000000',
    amount: '321.00',
    currency: 'CNY',
    payerName: '某某贸易有限公司',
    payerAccountNumber: '6222000000000099',
    remittanceInformation: 'unknown',
    receivedAt: now,
  });
  const exception = await prisma.inboundException.findFirstOrThrow({ where: { bankReference: `AUTHZ-UNKNOWN-${silent.id}` } });

  const settlement = await findAccountByCode(prisma, partyAccountCode(supplier.partyId, 'SUPPLIER_SETTLEMENT', 'CNY'));
  const supplierKey = await prisma.apiKey.findFirstOrThrow({ where: { userId: supplierChecker.userId } });
  const operatorMaker = await createActor(prisma, { partyId: parties.admin.partyId, userRoles: ['MAKER'] });
  // An amendment of the silent program's terms, waiting for an operator checker and the funder.
  const programChange = await proposeTermsAmendment(prisma, admin, parties.programId, { ...TEST_PROGRAM_TERMS, assignmentMode: 'SILENT', annualRate: '0.07' }, 'authz-program-change');
  // A change of the supplier checker's roles, waiting for a second administrator of the supplier.
  const roleChange = await proposeUserRoles(prisma, supplierActor, { userId: supplierChecker.userId, roles: ['CHECKER', 'VIEWER'] });

  // A webhook endpoint of the supplier, waiting for its second user, with one delivery in its log.
  const webhookEndpoint = await prisma.webhookEndpoint.create({
    data: { partyId: supplier.partyId, url: 'https://erp.supplier-authz.example/hooks', eventTypes: ['FINANCING_UPDATED'], status: 'PROPOSED', secretCiphertext: sealWebhookSecret(newWebhookSecret()), createdByUserId: supplier.userId },
  });
  const webhookDelivery = await prisma.webhookDelivery.create({
    data: { endpointId: webhookEndpoint.id, eventId: 1n, eventType: 'FINANCING_UPDATED', payload: { type: 'FINANCING_UPDATED', data: { financingId: silent.id } }, status: 'DELIVERED', dispatchedAt: now, occurredAt: now },
  });

  // A voucher the core issued to the supplier, offered to it (approved below by a second user of the core) and waiting for its acceptance.
  const issueInput = { holderCreditCode: supplier.creditCode, contractNumber: 'HT-AUTHZ-V1', currency: 'CNY', amount: '1000.00', dueDate: addDays(businessDateOf(now), 60), invoices: [{ invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '1000.00', issueDate: addDays(businessDateOf(now), -5) }], idempotencyKey: 'authz-voucher' };
  const voucherIds = { voucherId: crypto.randomUUID(), partId: crypto.randomUUID(), transferId: crypto.randomUUID() };
  const { voucher } = await issueVoucher(prisma, await actorOf(prisma, parties.core), validateVoucherIssue(issueInput, { creditCode: parties.core.creditCode }, now), voucherIds, { now, acceptanceWindowMs: 86_400_000 });

  const deal: Record<WorldTarget, string> = {
    Voucher: globalId('Voucher', voucher.id),
    ApiKey: globalId('ApiKey', supplierKey.id),
    Financing: globalId('Financing', silent.id),
    InboundException: globalId('InboundException', exception.id),
    LedgerAccount: globalId('LedgerAccount', settlement!.id),
    LedgerAdjustment: globalId('LedgerAdjustment', crypto.randomUUID()),
    LedgerTransaction: globalId('LedgerTransaction', disbursement.id),
    OfflineRepayment: globalId('OfflineRepayment', crypto.randomUUID()),
    Party: globalId('Party', supplier.partyId),
    PartyBankAccount: globalId('PartyBankAccount', payoutAccountChange.id),
    Payout: globalId('Payout', payout.id),
    Program: globalId('Program', parties.programId),
    Receivable: globalId('Receivable', silentReceivable.id),
    User: globalId('User', supplierChecker.userId),
    UserRoleChange: globalId('UserRoleChange', roleChange.id),
    ProgramChange: globalId('ProgramChange', programChange.id),
    WebhookEndpoint: globalId('WebhookEndpoint', webhookEndpoint.id),
    WebhookDelivery: globalId('WebhookDelivery', webhookDelivery.id),
  };
  const rawIds = (ids: string[]) => ids.flatMap((id) => [id, Buffer.from(id, 'base64url').toString('utf8').split(':')[1]!]);
  const dealSecrets = [
    ...rawIds(Object.values(deal)),
    globalId('Financing', open.id),
    open.id,
    globalId('Receivable', disclosedReceivable.id),
    disclosedReceivable.id,
    silentReceivable.registrationNumber,
    disclosedReceivable.registrationNumber,
    silent.financingNumber,
    open.financingNumber,
    SUPPLIER_NAME,
    '前海恒信商业保理有限公司',
    '广州云海智能制造集团股份有限公司',
    '云海供应链保理计划',
    PAYOUT_ACCOUNT.accountNumber,
    NEW_PAYOUT_ACCOUNT.accountNumber,
    webhookEndpoint.url,
  ];

  // The callers: a supplier, a core enterprise, a funder and the operators, with a user of each
  // role, none of them party to the deal; a party outside it with every kind but the platform's;
  // and the obligor of the silent financing.
  const callers: Caller[] = [{ label: 'no token', partyRoles: [], userRoles: [], targets: deal, secrets: dealSecrets }];
  for (const kind of ['SUPPLIER', 'CORE_ENTERPRISE', 'FUNDER'] as const) {
    for (const actor of await partyWithEveryRole(prisma, [kind])) {
      callers.push({ label: `${kind} ${actor.userRoles[0]}`, token: actor.token, partyRoles: [kind], userRoles: actor.userRoles, targets: deal, secrets: dealSecrets });
    }
  }
  const operators = [parties.admin, operatorMaker, await createActor(prisma, { partyId: parties.admin.partyId, userRoles: ['CHECKER'] }), await createActor(prisma, { partyId: parties.admin.partyId, userRoles: ['VIEWER'] })];
  operators.forEach((actor, index) => callers.push({ label: `PLATFORM ${USER_ROLE_CALLERS[index]}`, token: actor.token, partyRoles: ['PLATFORM'], userRoles: [USER_ROLE_CALLERS[index]!], targets: deal, secrets: [] }));
  const outsider = await createActor(prisma, { partyRoles: ['SUPPLIER', 'CORE_ENTERPRISE', 'FUNDER'], userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
  await openPartyAccounts(prisma, { id: outsider.partyId, roles: ['SUPPLIER', 'CORE_ENTERPRISE', 'FUNDER'] });
  callers.push({ label: 'party outside the deal', token: outsider.token, partyRoles: ['SUPPLIER', 'CORE_ENTERPRISE', 'FUNDER'], userRoles: ['ADMIN', 'MAKER', 'CHECKER'], targets: deal, secrets: dealSecrets });
  // The obligor knows its receivables, the program and its counterparties; the silent financing,
  // the supplier's users, keys, accounts and payout account are not its to see.
  const obligor = await createActor(prisma, { partyId: parties.core.partyId, userRoles: ['ADMIN', 'MAKER', 'CHECKER'] });
  // The supplier is told of the voucher, and sees it, once a checker of the core approves the issue.
  await decideVoucherTransfer(prisma, voucherIds.transferId, { kind: 'APPROVE' }, await actorOf(prisma, obligor), now);
  const { ApiKey, Financing, LedgerAccount, LedgerTransaction, PartyBankAccount, Payout, ProgramChange, User, UserRoleChange, InboundException, LedgerAdjustment, OfflineRepayment, WebhookEndpoint, WebhookDelivery } = deal;
  callers.push({
    label: 'obligor of the silent financing',
    token: obligor.token,
    partyRoles: ['CORE_ENTERPRISE'],
    userRoles: ['ADMIN', 'MAKER', 'CHECKER'],
    targets: { ApiKey, Financing, LedgerAccount, LedgerTransaction, PartyBankAccount, Payout, ProgramChange, User, UserRoleChange, InboundException, LedgerAdjustment, OfflineRepayment, WebhookEndpoint, WebhookDelivery },
    secrets: [...rawIds([ApiKey, Financing, LedgerAccount, LedgerTransaction, PartyBankAccount, Payout, ProgramChange, User, UserRoleChange, WebhookEndpoint, WebhookDelivery]), webhookEndpoint.url, silent.financingNumber, PAYOUT_ACCOUNT.accountNumber, NEW_PAYOUT_ACCOUNT.accountNumber],
  });

  const [first] = await prisma.receivableInvoice.findMany({ where: { receivableId: silentReceivable.id }, orderBy: { lineNumber: 'asc' } });
  return {
    callers,
    owners: { supplier, core: parties.core, funder: parties.funder, operator: parties.admin },
    operatorMaker,
    deal,
    invoice: { obligorCreditCode: parties.core.creditCode, invoiceCode: first!.invoiceCode, invoiceNumber: first!.invoiceNumber },
  };
}

/** Yesterday's business date: a closed day, the statement's. */
export function statementDay(now = new Date()): string {
  return addDays(businessDateOf(now), -1);
}
