import type { PrismaClient } from '../../prisma/client';

type FindFinancing = PrismaClient['financing']['findUniqueOrThrow'];
type FinancingArgs = Parameters<FindFinancing>[0];

/**
 * The database as a process sees it, except that each `financing.findUniqueOrThrow` goes
 * through `read`, given the arguments and the real read: to fail one financing's read, or to
 * run something between a read and what follows it.
 */
export function withFinancingReads(prisma: PrismaClient, read: (args: FinancingArgs, real: (args: FinancingArgs) => Promise<unknown>) => Promise<unknown>): PrismaClient {
  const bind = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };
  const financing = new Proxy(prisma.financing, {
    get: (target, prop) => (prop === 'findUniqueOrThrow' ? (args: FinancingArgs) => read(args, (real) => target.findUniqueOrThrow(real)) : bind(target, prop)),
  });
  return new Proxy(prisma, { get: (target, prop) => (prop === 'financing' ? financing : bind(target, prop)) });
}
