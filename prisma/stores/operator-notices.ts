import type { PrismaClient } from '../client';
import type { Tx } from './run-transaction';

// Notices in the inboxes of parties: most of what needs a person lands with every operator party
// (the platform's staff), once per event whatever retries the event sees.

/** What a notice says, and what it links to. */
export interface Notice {
  kind: string;
  subject: string;
  body: string;
  financingId?: string;
  receivableId?: string;
  voucherTransferId?: string;
}

/** Every operator party (PLATFORM), by id. */
export async function operatorPartyIds(db: PrismaClient | Tx): Promise<string[]> {
  return (await db.party.findMany({ where: { roles: { has: 'PLATFORM' } }, select: { id: true } })).map((party) => party.id);
}

/** The notice in each party's inbox once: each party's copy is keyed `<dedupeKey>:<party id>`. */
export async function notifyParties(db: PrismaClient | Tx, partyIds: readonly string[], notice: Notice, dedupeKey: string): Promise<void> {
  await db.notification.createMany({
    data: [...new Set(partyIds)].map((partyId) => ({ ...notice, partyId, dedupeKey: `${dedupeKey}:${partyId}` })),
    skipDuplicates: true,
  });
}

/** The notice in every operator party's inbox, once per operator party. */
export async function notifyOperators(db: PrismaClient | Tx, notice: Notice, dedupeKey: string): Promise<void> {
  await notifyParties(db, await operatorPartyIds(db), notice, dedupeKey);
}
