/** Where a reconciliation report is downloaded: `GET /reconciliation-reports/<date>/<currency>.csv` with the same bearer token (api/reconciliation-reports-route.ts serves it). */
export const RECONCILIATION_REPORTS_PATH = '/reconciliation-reports/';
