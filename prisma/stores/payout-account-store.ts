import { isOperator, type Actor } from '../../domain/actor';
import { assertOwnName } from '../../domain/balance-payout-rules';
import { ForbiddenError, NotFoundError, WrongStateError } from '../../domain/errors';
import { assertFourEyes } from '../../domain/four-eyes';
import { maskBankAccountNumber, validateBankAccount, type BankAccountInput } from '../../domain/party-rules';
import type { PartyBankAccount, PrismaClient } from '../client';
import { assertMakerActive } from './maker-active';
import { runTransaction, type Tx } from './run-transaction';
import { notifyParties, operatorPartyIds } from './operator-notices';

// Where a party's payouts go (docs/security.md, "Payout accounts"). Re-pointing payouts is the
// shortest way to steal a disbursement, so a change takes two people and time: one user of the
// party proposes an account in the party's own legal name (同名账户), a second user of the same
// party approves it, and an account that replaces another takes effect only after the
// cooling-off period, while the funders that finance the party and the operators are told. Until
// then payouts keep going to the account in effect. A party's first account takes effect when it
// is approved (there is nothing to protect yet).

/** The cooling-off period when the configuration does not set one (PAYOUT_ACCOUNT_COOLING_OFF_HOURS). */
export const PAYOUT_ACCOUNT_COOLING_OFF_DEFAULT_MS = 24 * 60 * 60 * 1000;

/** The account payouts go to at `now`: the latest approved account already in effect. */
export function currentPayoutAccount(db: PrismaClient | Tx, partyId: string, now = new Date()): Promise<PartyBankAccount | null> {
  return db.partyBankAccount.findFirst({
    where: { partyId, status: 'APPROVED', effectiveFrom: { lte: now }, retiredAt: null },
    orderBy: [{ effectiveFrom: 'desc' }, { createdAt: 'desc' }],
  });
}

async function lockParty(tx: Tx, partyId: string): Promise<{ id: string; legalName: string }> {
  // The party's lock orders its proposals and decisions, and its payouts' reading of the account.
  await tx.$queryRaw`SELECT id FROM party WHERE id = ${partyId}::uuid FOR UPDATE`;
  return tx.party.findUniqueOrThrow({ where: { id: partyId }, select: { id: true, legalName: true } });
}

/**
 * One user of the party proposes where its payouts go: an account in the party's own legal
 * name. An earlier proposal still waiting is withdrawn by it. Nothing changes for payouts yet.
 */
export async function proposePayoutAccount(prisma: PrismaClient, actor: Actor, input: BankAccountInput, now = new Date(), requestKey: string | null = null): Promise<PartyBankAccount> {
  const valid = validateBankAccount(input);
  return runTransaction(prisma, async (tx) => {
    const party = await lockParty(tx, actor.partyId);
    // Under the party's lock: a concurrent copy of this request has committed or not started.
    // Proposing again would reject the first copy's proposal and answer with another one.
    // The key names the party and the account proposed, so the row found is this very proposal.
    const replayed = requestKey === null ? null : await tx.partyBankAccount.findUnique({ where: { requestKey } });
    if (replayed?.partyId === party.id) return replayed;
    assertOwnName(party.legalName, valid.accountName);
    await tx.partyBankAccount.updateMany({ where: { partyId: party.id, status: 'PROPOSED' }, data: { status: 'REJECTED', decidedAt: now } });
    return tx.partyBankAccount.create({ data: { partyId: party.id, ...valid, status: 'PROPOSED', createdByUserId: actor.userId, createdAt: now, requestKey } });
  });
}

/**
 * A second user of the same party decides a proposal. Approved, the account takes effect at once
 * when the party has none, else after `coolingOffMs`; the funders financing the party and every
 * operator are told which account (masked) and from when. Rejected, nothing changes.
 *
 * An approved change still cooling off can be rejected too (stopped): by any user of the party
 * who may decide, the approver and the proposer included, as stopping only keeps payouts where
 * they go. The row is REJECTED, keeping who approved it, with who stopped it and when; payouts
 * never went to it (it was not in effect yet, asked under the party's lock that payouts take), and
 * those told of the change are told it is stopped.
 */
export async function decidePayoutAccount(prisma: PrismaClient, actor: Actor, id: string, approve: boolean, coolingOffMs: number, now = new Date(), requestKey: string | null = null): Promise<PartyBankAccount> {
  return runTransaction(prisma, async (tx) => {
    const proposed = await tx.partyBankAccount.findUnique({ where: { id } });
    const own = proposed?.partyId === actor.partyId;
    // Another party's proposal is not found, exactly like one that does not exist; operators, who
    // see every party's accounts and are told of every change, find it.
    if (!proposed || (!own && !isOperator(actor))) throw new NotFoundError('PartyBankAccount', id);
    const party = await lockParty(tx, proposed.partyId);
    const row = await tx.partyBankAccount.findUniqueOrThrow({ where: { id } });
    // A repeat of the request that decided it (the key names the caller and the decision): the first answer.
    if (requestKey !== null && row.decisionRequestKey === requestKey) return row;
    if (!approve && row.status === 'APPROVED' && row.retiredAt === null && row.effectiveFrom !== null && row.effectiveFrom > now) {
      const stopped = await tx.partyBankAccount.update({ where: { id }, data: { status: 'REJECTED', stoppedByUserId: actor.userId, stoppedAt: now, decisionRequestKey: requestKey } });
      await tellOfChange(tx, party, stopped, row.effectiveFrom, own ? 'stopped' : 'stopped by the platform');
      return stopped;
    }
    // The platform stops a change it doubts; what the party's payouts go to is the party's to decide.
    if (!own) throw new ForbiddenError("an operator stops another party's payout account change only once approved and while it cools off; proposals are decided by the party's own users");
    if (row.status === 'APPROVED') throw new WrongStateError(`the payout account is APPROVED and in effect since ${row.effectiveFrom?.toISOString() ?? 'its approval'}: propose another account to replace it`, row.status);
    if (row.status !== 'PROPOSED') throw new WrongStateError(`the payout account is ${row.status}: there is no proposal to decide`, row.status);
    assertFourEyes(row.createdByUserId, actor, 'the user who proposed a payout account cannot approve it: a second user of the party must');
    if (!approve) return tx.partyBankAccount.update({ where: { id }, data: { status: 'REJECTED', decidedByUserId: actor.userId, decidedAt: now, decisionRequestKey: requestKey } });
    await assertMakerActive(tx, row.createdByUserId, row.status);
    const replacing = await tx.partyBankAccount.findFirst({ where: { partyId: party.id, status: 'APPROVED', retiredAt: null } });
    const effectiveFrom = replacing ? new Date(now.getTime() + coolingOffMs) : now;
    const approved = await tx.partyBankAccount.update({ where: { id }, data: { status: 'APPROVED', effectiveFrom, decidedByUserId: actor.userId, decidedAt: now, decisionRequestKey: requestKey } });
    if (replacing) await tellOfChange(tx, party, approved, effectiveFrom, 'approved');
    return approved;
  });
}

/**
 * The funders that finance the party (through a program it is enrolled in) and every operator
 * party: of a change approved, or stopped; and the party itself when the platform stopped it.
 */
async function tellOfChange(tx: Tx, party: { id: string; legalName: string }, account: PartyBankAccount, effectiveFrom: Date, what: 'approved' | 'stopped' | 'stopped by the platform'): Promise<void> {
  const funders = await tx.creditLimit.findMany({ where: { supplierPartyId: party.id }, select: { funderPartyId: true } });
  const recipients = [...funders.map((row) => row.funderPartyId), ...(await operatorPartyIds(tx)), ...(what === 'stopped by the platform' ? [party.id] : [])];
  const stoppedBy = what === 'stopped by the platform' ? { zh: '平台', en: 'the platform' } : { zh: '该企业', en: 'the party' };
  const masked = maskBankAccountNumber(account.accountNumber);
  const from = effectiveFrom.toISOString();
  await notifyParties(
    tx,
    recipients,
    what === 'approved'
      ? {
          kind: 'PAYOUT_ACCOUNT_CHANGED',
          subject: `收款账户变更 ${party.legalName} / Payout account changed: ${party.legalName}`,
          body: `${party.legalName} 的收款账户将于 ${from} 起变更为 ${account.bankName} ${masked}（户名 ${account.accountName}）。在此之前款项仍付至原账户；如非本人操作，请立即联系平台。${party.legalName}'s payouts go to ${account.bankName} ${masked} (in the name of ${account.accountName}) from ${from}; until then they go to the account in effect. If this change is unexpected, tell the platform now.`,
        }
      : {
          kind: 'PAYOUT_ACCOUNT_CHANGED',
          subject: `收款账户变更已撤销 ${party.legalName} / Payout account change stopped: ${party.legalName}`,
          body: `${party.legalName} 原定于 ${from} 起变更为 ${account.bankName} ${masked} 的收款账户变更已被${stoppedBy.zh}撤销，款项仍付至原账户。The change of ${party.legalName}'s payouts to ${account.bankName} ${masked}, due from ${from}, was stopped by ${stoppedBy.en}: payouts keep going to the account in effect.`,
        },
    `payout-account:${account.id}:${what === 'approved' ? 'changed' : 'stopped'}`,
  );
}
