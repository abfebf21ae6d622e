import { ForbiddenError } from './errors';

// Who is acting: a user of one party, with the party's roles on the platform and the user's
// roles within the party (账户与客户是归属关系，账户与用户是授权关系). Every rule of the form "who
// may do this" is written once, in the table below, and asked by the use case; where a rule
// depends on the object (whose side of a financing, who made the first approval) the rule lives
// beside the object's state machine and is asked again under the object's row lock.

export const PARTY_ROLES = ['SUPPLIER', 'CORE_ENTERPRISE', 'FUNDER', 'PLATFORM'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export const USER_ROLES = ['MAKER', 'CHECKER', 'VIEWER', 'ADMIN'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface Actor {
  userId: string;
  partyId: string;
  partyRoles: readonly PartyRole[];
  userRoles: readonly UserRole[];
  /**
   * The users who proposed or approved this user's creation or role grants (domain/four-eyes.ts):
   * none of them may be the maker of an act this user checks. Absent for actors built in tests
   * and by the system, which nobody administered.
   */
  administeredBy?: readonly string[];
  /**
   * The users whose creation or role grants this user proposed or approved: none of them may be
   * the maker of an act this user checks (the approver of a user receives its first key).
   */
  administers?: readonly string[];
}

/** The platform's own staff (平台方): they see every party's objects. */
export function isOperator(actor: Pick<Actor, 'partyRoles'>): boolean {
  return actor.partyRoles.includes('PLATFORM');
}

/** An administrator of this party, or of the platform. */
export function isAdminOf(actor: Actor, partyId: string): boolean {
  return actor.userRoles.includes('ADMIN') && (actor.partyId === partyId || isOperator(actor));
}

interface Permission {
  /** The party must have one of these roles; absent: any party. */
  partyRoles?: readonly PartyRole[];
  /** The user must have one of these roles. */
  userRoles: readonly UserRole[];
  /** What the caller was trying to do, for the refusal: "only <who> can <doing>". */
  doing: string;
  who: string;
}

/** The roles that decide something; a VIEWER only reads. */
export const DECIDERS: readonly UserRole[] = ['MAKER', 'CHECKER', 'ADMIN'];

/**
 * Who may take each action, by party role and user role. A VIEWER reads and never acts; a
 * second approval (four eyes) needs a CHECKER; money settings and parties are the platform
 * administrators'. The object-specific half of a rule (the obligor confirms, the funder
 * approves) is checked by the use case once it has the object.
 */
export const PERMISSIONS = {
  CREATE_PARTY: { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'], who: 'a platform administrator', doing: 'create parties' },
  MANAGE_PROGRAMS: { partyRoles: ['PLATFORM'], userRoles: ['ADMIN'], who: 'a platform administrator', doing: 'propose programs, their terms or enrolments' },
  // A program change applies once both sides approve it: the platform's checker and the funder whose money it commits.
  DECIDE_PROGRAM_CHANGE_FOR_PLATFORM: { partyRoles: ['PLATFORM'], userRoles: ['CHECKER'], who: 'a platform operator with the CHECKER role', doing: 'approve or reject a program change for the platform' },
  DECIDE_PROGRAM_CHANGE_FOR_FUNDER: { partyRoles: ['FUNDER'], userRoles: ['CHECKER', 'ADMIN'], who: "the funder's CHECKER or ADMIN", doing: 'approve or reject a change of its program' },
  REGISTER_RECEIVABLE: { partyRoles: ['SUPPLIER'], userRoles: ['MAKER', 'ADMIN'], who: "a supplier's MAKER or ADMIN", doing: 'register receivables' },
  DECIDE_RECEIVABLE: { userRoles: DECIDERS, who: 'a MAKER, CHECKER or ADMIN', doing: 'decide on receivables' },
  APPLY_FOR_FINANCING: { partyRoles: ['SUPPLIER'], userRoles: ['MAKER', 'ADMIN'], who: "a supplier's MAKER or ADMIN", doing: 'apply for financing' },
  DECIDE_FINANCING: { userRoles: DECIDERS, who: 'a MAKER, CHECKER or ADMIN', doing: 'decide on financings' },
  CONFIRM_FINANCING_APPROVAL: { userRoles: ['CHECKER', 'ADMIN'], who: 'a CHECKER or ADMIN', doing: 'confirm the approval of a financing' },
  RETRY_PAYOUT: { userRoles: DECIDERS, who: 'a MAKER, CHECKER or ADMIN', doing: 'retry payouts' },
  // Money leaving to the party's own registered account: not among the four-eyes actions of
  // DESIGN §3 (changing that account is the sensitive act), so one person of the party. Any party
  // that has a settlement account (a supplier, or a voucher holder paid its share at maturity,
  // whatever its roles): the use case asks the ledger.
  WITHDRAW_SETTLEMENT_BALANCE: { userRoles: ['MAKER', 'ADMIN'], who: 'a MAKER or ADMIN of a party with a settlement account (a supplier, or a voucher holder)', doing: 'withdraw its settlement balance' },
  SWEEP_FEE_INCOME: { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'ADMIN'], who: 'a platform operator with the MAKER or ADMIN role', doing: "sweep fee income to the platform's bank account" },
  REGISTER_PAYOUT_ACCOUNT: { userRoles: ['ADMIN'], who: "the party's ADMIN", doing: 'propose a payout bank account' },
  DECIDE_PAYOUT_ACCOUNT: { userRoles: ['ADMIN', 'CHECKER'], who: "a second ADMIN or CHECKER of the party", doing: 'approve or reject a proposed payout bank account' },
  MANAGE_WEBHOOKS: { userRoles: ['ADMIN'], who: "the party's ADMIN", doing: 'propose webhook endpoints and their secrets, and replay deliveries' },
  DECIDE_WEBHOOKS: { userRoles: ['ADMIN', 'CHECKER'], who: 'a second ADMIN or CHECKER of the party', doing: 'approve or reject a webhook endpoint or its new secret' },
  RECORD_OFFLINE_REPAYMENT: { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'ADMIN'], who: 'a platform operator with the MAKER role', doing: 'record an offline repayment' },
  DECIDE_OFFLINE_REPAYMENT: { partyRoles: ['PLATFORM'], userRoles: ['CHECKER', 'ADMIN'], who: 'a platform operator with the CHECKER role', doing: 'decide an offline repayment' },
  PROPOSE_LEDGER_ADJUSTMENT: { partyRoles: ['PLATFORM'], userRoles: ['MAKER'], who: 'a platform operator with the MAKER role', doing: 'propose a ledger adjustment' },
  DECIDE_LEDGER_ADJUSTMENT: { partyRoles: ['PLATFORM'], userRoles: ['CHECKER'], who: 'a platform operator with the CHECKER role', doing: 'decide a ledger adjustment' },
  LIST_PARTIES: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'platform operators', doing: 'list every party' },
  READ_LEDGER_ADJUSTMENTS: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'platform operators', doing: 'read ledger adjustments' },
  PROPOSE_INBOUND_EXCEPTION_RESOLUTION: { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'ADMIN'], who: 'a platform operator with the MAKER role', doing: 'propose where parked money goes' },
  DECIDE_INBOUND_EXCEPTION_RESOLUTION: { partyRoles: ['PLATFORM'], userRoles: ['CHECKER', 'ADMIN'], who: 'a platform operator with the CHECKER role', doing: 'decide where parked money goes' },
  READ_INBOUND_EXCEPTIONS: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'platform operators', doing: 'read inbound exceptions' },
  READ_ACCOUNTING_DAYS: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'platform operators', doing: 'read accounting days and their trial balances' },
  IMPORT_BANK_STATEMENT: { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'CHECKER', 'ADMIN'], who: 'a platform operator (MAKER, CHECKER or ADMIN)', doing: "import the escrow bank's statements" },
  READ_BANK_STATEMENTS: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'platform operators', doing: "read the escrow bank's statements and their reconciliation" },
  PROPOSE_RECONCILIATION_RESOLUTION: { partyRoles: ['PLATFORM'], userRoles: ['MAKER', 'ADMIN'], who: 'a platform operator with the MAKER role', doing: 'propose how a reconciliation difference is resolved' },
  DECIDE_RECONCILIATION_RESOLUTION: { partyRoles: ['PLATFORM'], userRoles: ['CHECKER', 'ADMIN'], who: 'a platform operator with the CHECKER role', doing: 'decide how a reconciliation difference is resolved' },
  READ_RECONCILIATION_REPORTS: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'platform operators', doing: 'read the daily reconciliation reports' },
  READ_TRIAL_BALANCE: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'platform operators', doing: 'read the trial balance' },
  READ_PORTFOLIO: { partyRoles: ['FUNDER', 'PLATFORM'], userRoles: USER_ROLES, who: 'funders and operators', doing: 'read a portfolio' },
  RESUME_WORKFLOW: { partyRoles: ['PLATFORM'], userRoles: DECIDERS, who: 'a platform operator (MAKER, CHECKER or ADMIN)', doing: 'resume a step that waits for an operator' },
  RUN_SYSTEM_CHECK: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'platform operators', doing: 'run the system check' },
  // Vouchers (docs/workflows/voucher-acceptance.md): the core's maker issues, any holder's maker
  // transfers, a second person of the transferor approves (four eyes), the recipient decides.
  ISSUE_VOUCHER: { partyRoles: ['CORE_ENTERPRISE'], userRoles: ['MAKER', 'ADMIN'], who: "a core enterprise's MAKER or ADMIN", doing: 'issue vouchers' },
  TRANSFER_VOUCHER: { userRoles: ['MAKER', 'ADMIN'], who: 'a MAKER or ADMIN of the holder', doing: 'propose or cancel voucher transfers' },
  APPROVE_VOUCHER_TRANSFER: { userRoles: ['CHECKER', 'ADMIN'], who: 'a CHECKER or ADMIN of the transferor', doing: 'approve or reject voucher transfers' },
  DECIDE_VOUCHER_TRANSFER: { userRoles: DECIDERS, who: 'a MAKER, CHECKER or ADMIN of the recipient', doing: 'accept or refuse voucher transfers' },
  SCRIPT_SIMULATED_BANK: { partyRoles: ['PLATFORM'], userRoles: USER_ROLES, who: 'operators', doing: 'script the simulated bank' },
} as const satisfies Record<string, Permission>;

export type Action = keyof typeof PERMISSIONS;

export function isPermitted(actor: Actor, action: Action): boolean {
  const permission: Permission = PERMISSIONS[action];
  const partyOk = permission.partyRoles === undefined || permission.partyRoles.some((role) => actor.partyRoles.includes(role));
  return partyOk && permission.userRoles.some((role) => actor.userRoles.includes(role));
}

/** Refuses an action the caller's party or user roles do not allow, saying who may take it. */
export function assertPermitted(actor: Actor, action: Action): void {
  if (isPermitted(actor, action)) return;
  const { who, doing } = PERMISSIONS[action];
  throw new ForbiddenError(`only ${who} can ${doing}`);
}
