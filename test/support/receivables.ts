import type { PrismaClient } from '../../prisma/client';
import { registerReceivable } from '../../prisma/stores/receivable-store';
import type { Actor } from '../../domain/actor';
import { addDays, businessDateOf } from '../../domain/business-date';
import type { RegistrationInput } from '../../domain/receivable-rules';
import type { TestActor } from './parties';

let invoiceSequence = 0;

/** A fresh invoice number no other test uses. */
export function uniqueInvoiceNumber(): string {
  invoiceSequence += 1;
  return `${String(process.pid % 10000).padStart(4, '0')}${String(invoiceSequence).padStart(6, '0')}`;
}

export function registrationInput(obligorCreditCode: string, overrides: Partial<RegistrationInput> = {}, now = new Date()): RegistrationInput {
  const today = businessDateOf(now);
  return {
    obligorCreditCode,
    contractNumber: 'HT-2026-0815',
    currency: 'CNY',
    faceAmount: '1000000.00',
    dueDate: addDays(today, 90),
    invoices: [
      { invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '600000.00', issueDate: addDays(today, -20) },
      { invoiceCode: '4403201130', invoiceNumber: uniqueInvoiceNumber(), amount: '400000.00', issueDate: addDays(today, -19) },
    ],
    documentHashes: ['3f'.repeat(32)],
    idempotencyKey: `test-${uniqueInvoiceNumber()}`,
    ...overrides,
  };
}

export async function actorOf(prisma: PrismaClient, actor: TestActor): Promise<Actor> {
  const user = await prisma.user.findUniqueOrThrow({ where: { id: actor.userId }, include: { party: true } });
  return { userId: user.id, partyId: user.partyId, partyRoles: user.party.roles, userRoles: user.roles, administeredBy: user.administeredBy, administers: user.administers };
}

export async function registerDirectly(prisma: PrismaClient, supplier: TestActor, obligorCreditCode: string, now = new Date(), confirmationWindowMs = 7 * 86_400_000) {
  const { receivable } = await registerReceivable(prisma, await actorOf(prisma, supplier), registrationInput(obligorCreditCode, {}, now), { now, confirmationWindowMs });
  return receivable;
}
