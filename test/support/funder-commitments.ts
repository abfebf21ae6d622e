import type { PrismaClient } from '../../prisma/client';
import { openPartyAccounts } from '../../prisma/stores/chart-of-accounts';
import { reserveFunding } from '../../prisma/stores/disbursement-store';
import { applyForFinancing, decideFinancing } from '../../prisma/stores/financing-store';
import { enrollSupplier } from '../../prisma/stores/program-store';
import { decideReceivable, registerReceivable } from '../../prisma/stores/receivable-store';
import { TEST_FINANCING_WINDOWS, type FinancingParties } from './financings';
import { createActor } from './parties';
import { actorOf, registrationInput } from './receivables';

/**
 * Money a funder has committed since: another financing of the parties' funder, for a supplier of
 * its own, on a receivable of 1,300,000.00 due on `dueDate`, approved at `now` with its advance
 * held on the funder's funding account. Returns the financing's id.
 */
export async function approvedAndHeld(prisma: PrismaClient, parties: FinancingParties, { amount, now, dueDate }: { amount: string; now: Date; dueDate: string }): Promise<string> {
  const supplier = await createActor(prisma, { partyRoles: ['SUPPLIER'], legalName: '东莞市粤辉五金制品有限公司' });
  await openPartyAccounts(prisma, { id: supplier.partyId, roles: ['SUPPLIER'] });
  await enrollSupplier(prisma, await actorOf(prisma, parties.admin), parties.programId, supplier.creditCode);
  const supplierActor = await actorOf(prisma, supplier);
  const input = registrationInput(parties.core.creditCode, { faceAmount: '1300000.00', dueDate }, now);
  const { receivable } = await registerReceivable(
    prisma,
    supplierActor,
    { ...input, invoices: [{ ...input.invoices[0]!, amount: '800000.00' }, { ...input.invoices[1]!, amount: '500000.00' }] },
    { now, confirmationWindowMs: 7 * 86_400_000 },
  );
  const as = (actor: { userId: string; partyId: string }) => ({ userId: actor.userId, partyId: actor.partyId });
  await decideReceivable(prisma, receivable.id, { kind: 'CONFIRM' }, as(parties.core), `test:${receivable.id}:confirm`, now);
  const { financing } = await applyForFinancing(prisma, supplierActor, { receivableId: receivable.id, programId: parties.programId, amount, idempotencyKey: `apply-${receivable.id}` }, TEST_FINANCING_WINDOWS, now);
  await decideFinancing(prisma, financing.id, { kind: 'ACKNOWLEDGE', approvalDeadline: new Date(now.getTime() + TEST_FINANCING_WINDOWS.approvalWindowMs) }, as(parties.core), `ack-${financing.id}`, now);
  await decideFinancing(prisma, financing.id, { kind: 'APPROVE' }, as(parties.funder), `approve-${financing.id}`, now);
  await decideFinancing(prisma, financing.id, { kind: 'CONFIRM_APPROVAL' }, as(parties.funderChecker), `confirm-${financing.id}`, now);
  const funded = await reserveFunding(prisma, financing.id, TEST_FINANCING_WINDOWS.fundingWindowMs, now);
  if (!funded.reserved) throw new Error(`the funder's account did not hold the advance of financing ${financing.id}: ${JSON.stringify(funded)}`);
  return financing.id;
}
