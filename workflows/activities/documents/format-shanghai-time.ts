import { BUSINESS_UTC_OFFSET_HOURS } from '../../../domain/business-date';

const OFFSET_MS = BUSINESS_UTC_OFFSET_HOURS * 60 * 60 * 1000;

/**
 * An instant as "YYYY-MM-DD HH:mm" in China Standard Time. The offset is fixed (no daylight
 * saving since 1991), so no time-zone database is consulted and the output cannot drift with
 * the host's ICU data: documents must render byte for byte the same everywhere.
 */
export function formatShanghaiTime(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('cannot format an invalid date');
  return new Date(instant.getTime() + OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}
