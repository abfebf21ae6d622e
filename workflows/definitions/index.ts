// Every workflow the worker registers. Workflow code runs in Temporal's deterministic
// sandbox: no I/O and no Node built-ins here, only domain rules, contracts and activity types.
export { systemCheckWorkflow } from './system-check-workflow';
export { receivableConfirmationWorkflow } from './receivable-confirmation-workflow';
export { financingWorkflow } from './financing-workflow';
export { payOutBalanceWorkflow } from './pay-out-balance-workflow';
export { ledgerCutOffWorkflow } from './ledger-cut-off-workflow';
export { deliverWebhookWorkflow } from './deliver-webhook-workflow';
export { voucherAcceptanceWorkflow } from './voucher-acceptance-workflow';
export { renderTransferCertificateWorkflow } from './render-transfer-certificate-workflow';
export { distributeVoucherPaymentWorkflow } from './distribute-voucher-payment-workflow';
export { recordVoucherDefaultsWorkflow } from './record-voucher-defaults-workflow';
