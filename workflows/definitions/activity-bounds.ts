import type { ActivityOptions } from '@temporalio/workflow';

// Every activity call has a bound: how long it may take, retries included, before the workflow
// stops trying by itself. Each bound says what its activity is: the table and the reasons are in
// docs/workflows/financing.md ("Bounds"). A call whose bound is reached is not a silent stop: a
// person waiting on the API gets an error, and a step of the process waits for an operator with
// the financing or receivable marked for attention (attention.ts).

const BACKOFF = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/**
 * A person is waiting on the API for the answer (an application, a decision, a payout retry, a
 * resume): a minute at most, then the request fails and the person (or the client, with its
 * idempotency key) asks again. Nothing is left half done: each activity is one transaction.
 */
export const PERSON_WAITING: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { ...BACKOFF, maximumInterval: '10 seconds' },
};

/**
 * A step of the process that writes to PostgreSQL (a decision at a deadline, a hold, the
 * disbursement, an allocation, a penalty day, a recourse claim, a notification): serialisation
 * failures are already retried inside the store's transaction, so what is left is an outage.
 * Half an hour covers a restart or a failover; longer means a person should look.
 */
export const DATABASE_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: BACKOFF,
};

/**
 * Rendering and storing a PDF: deterministic, so a render that keeps failing is a fault in the
 * data or the code, not bad luck. Ten minutes of retries ride out a database blip; then a person.
 */
export const DOCUMENT: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '10 minutes',
  retry: BACKOFF,
};

/**
 * A call to the bank (submitting a payout, asking about one): banks have maintenance windows
 * and slow hours, and the payout reference makes every retry safe, so an hour, asking at most
 * every five minutes. Past that an operator decides whether to wait longer.
 */
export const BANK_CALL: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 hour',
  retry: { ...BACKOFF, maximumInterval: '5 minutes' },
};

/**
 * Writing down that a step needs an operator: short, because when the database is what failed
 * this cannot succeed either, and the workflow then keeps the mark itself (its attention Query)
 * and logs it at error level.
 */
export const ATTENTION_RECORD: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { ...BACKOFF, maximumInterval: '15 seconds' },
};

/**
 * Rendering a document an operator asked for and is waiting on the API for (a transfer
 * certificate whose rendering failed): a person waits a minute at most, as for any request, and
 * the first rendering of a process prepares its fonts, so half a minute per attempt. Past that
 * the operator is answered with the failure and may ask again.
 */
export const DOCUMENT_ON_REQUEST: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { ...BACKOFF, maximumInterval: '10 seconds' },
};
