// The webhook delivery workflow's input and output (docs/webhooks.md).

export interface DeliverWebhookInput {
  deliveryId: string;
  /** The round: 0 for the event's own delivery, n for the party's n-th replay. */
  replays: number;
}

export type DeliverWebhookResult = { outcome: 'DELIVERED'; attempts: number } | { outcome: 'ENDPOINT_DISABLED'; attempts: number } | { outcome: 'GAVE_UP'; attempts: number };

/** What one attempt of the activity reports. */
export interface WebhookAttemptResult {
  outcome: 'DELIVERED' | 'RETRY' | 'ENDPOINT_DISABLED';
  statusCode: number | null;
}
