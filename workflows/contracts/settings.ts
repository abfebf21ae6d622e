// How long each party has to answer, from the service's configuration (api/config.ts parses
// it). The API hands them to a workflow when it starts; the workflow keeps them for its life,
// so a configuration change applies to new receivables and financings, not to running ones.

export interface ReceivableSettings {
  confirmationWindowMs: number;
  reminderOffsetsMs: number[];
}

export interface FinancingSettings {
  acknowledgementWindowMs: number;
  approvalWindowMs: number;
  fundingWindowMs: number;
}
