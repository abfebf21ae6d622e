// Workflow ids are derived from business keys, so a repeated request finds the running
// workflow instead of starting a second one (Temporal refuses a duplicate id).
export const workflowIds = {
  systemCheck: (requestId: string) => `system-check:${requestId}`,
  receivable: (receivableId: string) => `receivable:${receivableId}`,
  financing: (financingId: string) => `financing:${financingId}`,
  /** A withdrawal or a fee sweep: one workflow per payout of a balance. */
  balancePayout: (payoutId: string) => `payout:${payoutId}`,
} as const;
