import type { Actor } from '../../domain/actor';

/**
 * A step of a workflow that reached its bound (docs/workflows/financing.md, "Bounds"): the
 * workflow waits for an operator instead of failing or retrying forever. Shown to operators on
 * the financing or receivable (`attention`), through the workflow's attention Query, and in the
 * worker's error log.
 */
export interface Attention {
  /** Which step: the activity and what it was doing, e.g. `submitPayout` or `notifyFinancingParty:FUNDER:FUNDING_REQUIRED`. */
  step: string;
  /** The last failure, as the activity reported it. */
  reason: string;
  /** When the bound was reached (the workflow's clock). */
  since: Date;
}

/** The operator who resumes the waiting step: checked by the use case, named in the log. */
export interface ResumeArgs {
  actor: Actor;
}

/** What a resume answers: the step that is being tried again. */
export interface Resumed {
  step: string;
}
