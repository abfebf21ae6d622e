import { Prisma } from '../client';

/** True for a unique-constraint violation (Prisma's P2002): a duplicate, or a lost race for one. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
