import { buildSchema, type GraphQLField, type GraphQLSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PARTY_ROLES, USER_ROLES, type PartyRole, type UserRole } from '../../domain/actor';

// Who may call each operation of the API, and what a caller gets when it names an object that
// belongs to other parties (docs/security.md, "Authorization matrix"). One entry per Query,
// Mutation and Subscription field of the printed schema: the unit test fails on a field with no
// entry and on an entry for a field that is gone, the integration test calls every field as
// every kind of caller against it, and `npm run docs:authz` prints it into docs/security.md.
// Adding an operation is adding one line here.

/**
 * What a permitted caller of another party gets for an object that is not its own (operators,
 * who see every party's objects, are the owners of everything):
 * - NULL: the field answers `null`, as for an id that does not exist;
 * - NOT_FOUND: the typed `NotFoundError`, as for an id that does not exist;
 * - OWN_ONLY: the field takes no object of another party; it answers (or acts on) the caller's
 *   own party only, and lists never carry another party's objects;
 * - ENCUMBERED_ONLY: the public registry: whether an invoice is encumbered, nothing more;
 * - OPERATORS_ONLY: only operators may call it at all; everyone else is refused (`FORBIDDEN`).
 */
export type OthersAnswer = 'NULL' | 'NOT_FOUND' | 'OWN_ONLY' | 'ENCUMBERED_ONLY' | 'OPERATORS_ONLY';

/** The kinds of object an operation's id arguments name: the GraphQL type of the id. */
export type TargetType =
  | 'ApiKey'
  | 'Financing'
  | 'InboundException'
  | 'LedgerAccount'
  | 'LedgerAdjustment'
  | 'LedgerTransaction'
  | 'OfflineRepayment'
  | 'Party'
  | 'PartyBankAccount'
  | 'Payout'
  | 'Program'
  | 'ProgramChange'
  | 'ReconciliationItem'
  | 'Receivable'
  | 'User'
  | 'Voucher'
  | 'UserRoleChange'
  | 'WebhookDelivery'
  | 'WebhookEndpoint';

export interface MatrixEntry {
  /** The party kinds whose users may call it (PLATFORM: the operators). */
  parties: readonly PartyRole[];
  /** The user roles that may call it, within those parties. */
  roles: readonly UserRole[];
  others: OthersAnswer;
  /** What the operation's `id` argument names, when it has one. */
  target?: TargetType;
}

const ANY_PARTY = PARTY_ROLES;
const OPERATORS: readonly PartyRole[] = ['PLATFORM'];
const ALL_ROLES = USER_ROLES;
const DECIDERS: readonly UserRole[] = ['MAKER', 'CHECKER', 'ADMIN'];
const MAKERS: readonly UserRole[] = ['MAKER', 'ADMIN'];
const CHECKERS: readonly UserRole[] = ['CHECKER', 'ADMIN'];
const ADMINS: readonly UserRole[] = ['ADMIN'];

export const AUTHORIZATION_MATRIX: Readonly<Record<string, MatrixEntry>> = {
  // Queries
  'Query.account': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL', target: 'LedgerAccount' },
  'Query.accountingDay': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.accountingDays': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.accounts': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.balancePayouts': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.bankStatements': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.financing': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL', target: 'Financing' },
  'Query.financings': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.inboundExceptions': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.ledgerAdjustments': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.ledgerTransaction': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL', target: 'LedgerTransaction' },
  'Query.node': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL' },
  'Query.nodes': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL' },
  'Query.notifications': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.parties': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.party': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL', target: 'Party' },
  'Query.payoutAccount': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.payoutAccountChanges': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.portfolio': { parties: ['FUNDER', 'PLATFORM'], roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.program': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL', target: 'Program' },
  'Query.programChanges': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.programs': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.quoteFinancing': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NOT_FOUND' },
  'Query.voucher': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL', target: 'Voucher' },
  'Query.voucherTransfers': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.vouchersHeld': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.vouchersIssued': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.vouchersFinanced': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.voucherMaturityCalendar': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.receivable': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NULL', target: 'Receivable' },
  'Query.receivables': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.reconciliationItems': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.reconciliationReport': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.registryCheck': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'ENCUMBERED_ONLY' },
  'Query.repaymentsDue': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.topUpInstructions': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.trialBalance': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Query.viewer': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.webhookDeliveries': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.webhookEndpoints': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Query.withdrawableBalance': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },

  // Mutations
  'Mutation.acknowledgeAssignment': { parties: ['CORE_ENTERPRISE'], roles: DECIDERS, others: 'NOT_FOUND', target: 'Financing' },
  'Mutation.amendProgram': { parties: OPERATORS, roles: ADMINS, others: 'OPERATORS_ONLY', target: 'Program' },
  'Mutation.applyForFinancing': { parties: ['SUPPLIER'], roles: MAKERS, others: 'NOT_FOUND' },
  'Mutation.applyForVoucherFinancing': { parties: ANY_PARTY, roles: MAKERS, others: 'NOT_FOUND' },
  'Mutation.approveFinancing': { parties: ['FUNDER'], roles: DECIDERS, others: 'NOT_FOUND', target: 'Financing' },
  'Mutation.approveInboundExceptionResolution': { parties: OPERATORS, roles: CHECKERS, others: 'OPERATORS_ONLY', target: 'InboundException' },
  'Mutation.approveLedgerAdjustment': { parties: OPERATORS, roles: ['CHECKER'], others: 'OPERATORS_ONLY', target: 'LedgerAdjustment' },
  'Mutation.approveReconciliationItemResolution': { parties: OPERATORS, roles: CHECKERS, others: 'OPERATORS_ONLY', target: 'ReconciliationItem' },
  'Mutation.approveProgramChange': { parties: ['FUNDER', 'PLATFORM'], roles: CHECKERS, others: 'NOT_FOUND', target: 'ProgramChange' },
  'Mutation.approveOfflineRepayment': { parties: OPERATORS, roles: CHECKERS, others: 'OPERATORS_ONLY', target: 'OfflineRepayment' },
  'Mutation.approvePayoutAccount': { parties: ANY_PARTY, roles: CHECKERS, others: 'NOT_FOUND', target: 'PartyBankAccount' },
  'Mutation.approveUser': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND' },
  'Mutation.approveUserRoles': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND', target: 'UserRoleChange' },
  'Mutation.approveWebhookEndpoint': { parties: ANY_PARTY, roles: CHECKERS, others: 'NOT_FOUND', target: 'WebhookEndpoint' },
  'Mutation.cancelReceivable': { parties: ['SUPPLIER', 'PLATFORM'], roles: DECIDERS, others: 'NOT_FOUND', target: 'Receivable' },
  'Mutation.confirmApproval': { parties: ['FUNDER'], roles: CHECKERS, others: 'NOT_FOUND', target: 'Financing' },
  'Mutation.issueVoucher': { parties: ['CORE_ENTERPRISE'], roles: MAKERS, others: 'OWN_ONLY' },
  'Mutation.proposeVoucherTransfer': { parties: ANY_PARTY, roles: MAKERS, others: 'NOT_FOUND' },
  'Mutation.approveVoucherTransfer': { parties: ANY_PARTY, roles: CHECKERS, others: 'NOT_FOUND' },
  'Mutation.rejectVoucherTransfer': { parties: ANY_PARTY, roles: CHECKERS, others: 'NOT_FOUND' },
  'Mutation.cancelVoucherTransfer': { parties: ANY_PARTY, roles: MAKERS, others: 'NOT_FOUND' },
  'Mutation.acceptVoucherTransfer': { parties: ANY_PARTY, roles: DECIDERS, others: 'NOT_FOUND' },
  'Mutation.refuseVoucherTransfer': { parties: ANY_PARTY, roles: DECIDERS, others: 'NOT_FOUND' },
  'Mutation.renderTransferCertificate': { parties: OPERATORS, roles: DECIDERS, others: 'OPERATORS_ONLY' },
  'Mutation.confirmReceivable': { parties: ['CORE_ENTERPRISE'], roles: DECIDERS, others: 'NOT_FOUND', target: 'Receivable' },
  'Mutation.createParty': { parties: OPERATORS, roles: ADMINS, others: 'OPERATORS_ONLY' },
  'Mutation.createProgram': { parties: OPERATORS, roles: ADMINS, others: 'OPERATORS_ONLY' },
  'Mutation.createUser': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND' },
  'Mutation.disableUser': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND', target: 'User' },
  'Mutation.enrollSupplier': { parties: OPERATORS, roles: ADMINS, others: 'OPERATORS_ONLY' },
  'Mutation.importBankStatement': { parties: OPERATORS, roles: DECIDERS, others: 'OPERATORS_ONLY' },
  'Mutation.issueApiKey': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NOT_FOUND' },
  'Mutation.proposeInboundExceptionResolution': { parties: OPERATORS, roles: MAKERS, others: 'OPERATORS_ONLY', target: 'InboundException' },
  'Mutation.proposeReconciliationItemResolution': { parties: OPERATORS, roles: MAKERS, others: 'OPERATORS_ONLY', target: 'ReconciliationItem' },
  'Mutation.proposeLedgerAdjustment': { parties: OPERATORS, roles: ['MAKER'], others: 'OPERATORS_ONLY' },
  'Mutation.proposeUserRoles': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND' },
  'Mutation.recordOfflineRepayment': { parties: OPERATORS, roles: MAKERS, others: 'OPERATORS_ONLY' },
  'Mutation.refuseAssignment': { parties: ['CORE_ENTERPRISE'], roles: DECIDERS, others: 'NOT_FOUND', target: 'Financing' },
  'Mutation.registerPayoutAccount': { parties: ANY_PARTY, roles: ADMINS, others: 'OWN_ONLY' },
  'Mutation.registerWebhookEndpoint': { parties: ANY_PARTY, roles: ADMINS, others: 'OWN_ONLY' },
  'Mutation.registerReceivable': { parties: ['SUPPLIER'], roles: MAKERS, others: 'OWN_ONLY' },
  'Mutation.rejectFinancing': { parties: ['FUNDER'], roles: DECIDERS, others: 'NOT_FOUND', target: 'Financing' },
  'Mutation.rejectInboundExceptionResolution': { parties: OPERATORS, roles: CHECKERS, others: 'OPERATORS_ONLY', target: 'InboundException' },
  'Mutation.rejectLedgerAdjustment': { parties: OPERATORS, roles: ['CHECKER'], others: 'OPERATORS_ONLY', target: 'LedgerAdjustment' },
  'Mutation.rejectReconciliationItemResolution': { parties: OPERATORS, roles: CHECKERS, others: 'OPERATORS_ONLY', target: 'ReconciliationItem' },
  'Mutation.rejectProgramChange': { parties: ['FUNDER', 'PLATFORM'], roles: CHECKERS, others: 'NOT_FOUND', target: 'ProgramChange' },
  'Mutation.rejectOfflineRepayment': { parties: OPERATORS, roles: CHECKERS, others: 'OPERATORS_ONLY', target: 'OfflineRepayment' },
  'Mutation.rejectPayoutAccount': { parties: ANY_PARTY, roles: CHECKERS, others: 'NOT_FOUND', target: 'PartyBankAccount' },
  'Mutation.rejectReceivable': { parties: ['CORE_ENTERPRISE'], roles: DECIDERS, others: 'NOT_FOUND', target: 'Receivable' },
  'Mutation.rejectUser': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND', target: 'User' },
  'Mutation.rejectUserRoles': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND', target: 'UserRoleChange' },
  'Mutation.rejectWebhookEndpoint': { parties: ANY_PARTY, roles: CHECKERS, others: 'NOT_FOUND', target: 'WebhookEndpoint' },
  'Mutation.replayWebhookDelivery': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND', target: 'WebhookDelivery' },
  'Mutation.requestWithdrawal': { parties: ['SUPPLIER'], roles: MAKERS, others: 'OWN_ONLY' },
  'Mutation.resumeFinancing': { parties: OPERATORS, roles: DECIDERS, others: 'OPERATORS_ONLY', target: 'Financing' },
  'Mutation.resumePayout': { parties: OPERATORS, roles: DECIDERS, others: 'OPERATORS_ONLY', target: 'Payout' },
  'Mutation.resumeReceivable': { parties: OPERATORS, roles: DECIDERS, others: 'OPERATORS_ONLY', target: 'Receivable' },
  'Mutation.retryPayout': { parties: ANY_PARTY, roles: DECIDERS, others: 'NOT_FOUND' },
  'Mutation.revokeApiKey': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NOT_FOUND', target: 'ApiKey' },
  'Mutation.revokeUserApiKeys': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NOT_FOUND', target: 'User' },
  'Mutation.rotateWebhookEndpointSecret': { parties: ANY_PARTY, roles: ADMINS, others: 'NOT_FOUND', target: 'WebhookEndpoint' },
  'Mutation.runSystemCheck': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Mutation.sweepFeeIncome': { parties: OPERATORS, roles: MAKERS, others: 'OPERATORS_ONLY' },
  'Mutation.withdrawFinancing': { parties: ['SUPPLIER', 'PLATFORM'], roles: DECIDERS, others: 'NOT_FOUND', target: 'Financing' },
  // Subscriptions stream what the corresponding query shows: another party's objects never arrive.
  'Subscription.accountActivity': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'NOT_FOUND', target: 'LedgerAccount' },
  'Subscription.exceptionRaised': { parties: OPERATORS, roles: ALL_ROLES, others: 'OPERATORS_ONLY' },
  'Subscription.financingUpdated': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY', target: 'Financing' },
  'Subscription.notificationAdded': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
  'Subscription.receivableUpdated': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY', target: 'Receivable' },
  'Subscription.repaymentReceived': { parties: ANY_PARTY, roles: ALL_ROLES, others: 'OWN_ONLY' },
};

export const PRINTED_SCHEMA_PATH = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));
export const SECURITY_DOC_PATH = fileURLToPath(new URL('../../docs/security.md', import.meta.url));

export function loadPrintedSchema(): GraphQLSchema {
  return buildSchema(readFileSync(PRINTED_SCHEMA_PATH, 'utf8'));
}

export interface OperationField {
  /** `Query.receivable`, `Mutation.approveFinancing`, ... */
  key: string;
  operation: 'query' | 'mutation' | 'subscription';
  field: GraphQLField<unknown, unknown>;
}

/** Every field of the schema's root types, in the printed order. */
export function operationFields(schema: GraphQLSchema): OperationField[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  return roots.flatMap(([operation, type]) =>
    type ? Object.values(type.getFields()).map((field) => ({ key: `${type.name}.${field.name}`, operation, field })) : [],
  );
}

/** Whether a user with these roles of a party with these roles may call the operation. */
export function isAllowedBy(entry: MatrixEntry, partyRoles: readonly PartyRole[], userRoles: readonly UserRole[]): boolean {
  return entry.parties.some((role) => partyRoles.includes(role)) && entry.roles.some((role) => userRoles.includes(role));
}

const OTHERS_TEXT: Record<OthersAnswer, string> = {
  NULL: '`null`, as for an id that does not exist',
  NOT_FOUND: '`NotFoundError`, as for an id that does not exist',
  OWN_ONLY: "only its own party's objects",
  ENCUMBERED_ONLY: '`encumbered` only (number and status to its own parties)',
  OPERATORS_ONLY: '`FORBIDDEN`',
};

function whoText(entry: MatrixEntry): string {
  const parties = entry.parties.length === PARTY_ROLES.length ? 'any party' : entry.parties.map((role) => (role === 'PLATFORM' ? 'operators' : role)).join(', ');
  const roles = entry.roles.length === USER_ROLES.length ? 'any role' : USER_ROLES.filter((role) => entry.roles.includes(role)).join(', ');
  return `${parties}: ${roles}`;
}

export const MATRIX_BEGIN_MARKER = '<!-- authorization-matrix:begin (npm run docs:authz writes this table) -->';
export const MATRIX_END_MARKER = '<!-- authorization-matrix:end -->';

/** The matrix as the Markdown table docs/security.md carries between its markers. */
export function renderAuthorizationMatrix(schema: GraphQLSchema): string {
  const rows = operationFields(schema).map(({ key }) => {
    const entry = AUTHORIZATION_MATRIX[key];
    if (!entry) throw new Error(`${key} has no entry in the authorization matrix (test/support/authorization-matrix.ts)`);
    return `| \`${key}\` | ${whoText(entry)} | ${OTHERS_TEXT[entry.others]} |`;
  });
  return ['| operation | who may call it | what a caller of another party gets |', '|---|---|---|', ...rows].join('\n');
}

/** docs/security.md with the table between the markers replaced by `table`. */
export function withMatrixTable(doc: string, table: string): string {
  const begin = doc.indexOf(MATRIX_BEGIN_MARKER);
  const end = doc.indexOf(MATRIX_END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`docs/security.md has no ${MATRIX_BEGIN_MARKER} ... ${MATRIX_END_MARKER} markers`);
  return `${doc.slice(0, begin + MATRIX_BEGIN_MARKER.length)}\n${table}\n${doc.slice(end)}`;
}
