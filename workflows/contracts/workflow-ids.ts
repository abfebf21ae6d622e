// Workflow ids are derived from business keys, so a repeated request finds the running
// workflow instead of starting a second one (Temporal refuses a duplicate id).
export const workflowIds = {
  systemCheck: (requestId: string) => `system-check:${requestId}`,
  receivable: (receivableId: string) => `receivable:${receivableId}`,
  financing: (financingId: string) => `financing:${financingId}`,
  /** A voucher transfer's acceptance (the included). */
  voucherTransfer: (transferId: string) => `voucher-transfer:${transferId}`,
  /** An operator's re-rendering of an accepted transfer's certificate whose rendering failed; a finished run may be started again, and finds the stored copy. */
  transferCertificate: (transferId: string) => `transfer-certificate:${transferId}`,
  /** A withdrawal or a fee sweep: one workflow per payout of a balance. */
  balancePayout: (payoutId: string) => `payout:${payoutId}`,
  /** One round of one webhook delivery: the event's own (0) or a replay (1, 2, ...); a second start of a round is refused. */
  webhookDelivery: (deliveryId: string, replays: number) => `webhook-delivery:${deliveryId}:${replays}`,
  /** The distribution of one maturity payment: one workflow per inbound credit into a voucher's collection account. */
  voucherPayment: (inboundCreditId: string) => `voucher-payment:${inboundCreditId}`,
} as const;
