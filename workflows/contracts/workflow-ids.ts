// Workflow ids are derived from business keys, so a repeated request finds the running
// workflow instead of starting a second one (Temporal refuses a duplicate id).
export const workflowIds = {
  systemCheck: (requestId: string) => `system-check:${requestId}`,
  receivable: (receivableId: string) => `receivable:${receivableId}`,
  financing: (financingId: string) => `financing:${financingId}`,
} as const;
