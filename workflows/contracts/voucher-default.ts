import type { IsoDate } from '../../domain/business-date';

// The daily default scan of vouchers (docs/workflows/voucher.md, "Default on the due date"): a
// Temporal Schedule starts recordVoucherDefaultsWorkflow once a business day; each run records
// the default of every ACTIVE voucher whose due date ended short, dated its due date.

/** The one schedule the worker creates or updates at start-up. */
export const VOUCHER_DEFAULT_SCHEDULE_ID = 'voucher-defaults';

/** The prefix of the runs' workflow ids (the schedule appends the time it started each run). */
export const VOUCHER_DEFAULT_WORKFLOW_ID = 'voucher-defaults';

/** Where a scan stopped: the last voucher it looked at, in (due date, id) order. */
export interface VoucherDefaultCursor {
  dueDate: IsoDate;
  voucherId: string;
}

export interface RecordVoucherDefaultsInput {
  /** The business date the scan is as of; the run's own clock when absent (the schedule's runs). */
  today?: IsoDate | null;
  /** Set when the run continued as new: where the scan carries on, and what it did so far. */
  after?: VoucherDefaultCursor | null;
  done?: { looked: number; defaulted: number; notified: number } | null;
}

export interface RecordVoucherDefaultsResult {
  today: IsoDate;
  /** Past-due ACTIVE vouchers looked at. */
  looked: number;
  /** Vouchers this run recorded in default. */
  defaulted: number;
  /** Notices written. */
  notified: number;
}

export interface VoucherDefaultStep {
  looked: number;
  defaulted: number;
  notified: number;
  next: VoucherDefaultCursor | null;
}
