// A PostgreSQL error, read the same way whichever driver raised it.

export interface DatabaseFailure {
  code: string;
  message: string;
  detail?: string;
  constraint?: string;
}

/** The SQLSTATE and texts of a PostgreSQL error, whether node-postgres or Prisma's driver adapter raised it. */
export function databaseFailureOf(error: unknown): DatabaseFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const direct = error as { code?: unknown; message?: unknown; detail?: unknown; constraint?: unknown; severity?: unknown };
  if (typeof direct.code === 'string' && /^[0-9A-Z]{5}$/.test(direct.code) && typeof direct.severity === 'string') {
    return { code: direct.code, message: String(direct.message), detail: direct.detail as string | undefined, constraint: direct.constraint as string | undefined };
  }
  const cause = (error as { meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } }).meta?.driverAdapterError?.cause;
  if (cause) {
    const code = (cause.originalCode ?? cause.code) as string | undefined;
    if (!code) return undefined;
    const text = cause.originalMessage ?? cause.message;
    const message = typeof text === 'string' ? text : '';
    const constraintInfo = cause.constraint as { index?: string; fields?: string[] } | undefined;
    const constraint = constraintInfo?.index ?? /constraint "([^"]+)"/.exec(message)?.[1];
    return { code, message, detail: cause.detail as string | undefined, constraint };
  }
  return undefined;
}
