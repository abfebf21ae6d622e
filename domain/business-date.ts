// Business dates (due dates, issue dates, value dates) are calendar dates in China's time
// zone, carried as "YYYY-MM-DD" strings. China has kept UTC+08:00 all year since 1991, so
// a fixed offset is exact, and no time-zone database is needed in workflow code.

export const BUSINESS_UTC_OFFSET_HOURS = 8;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

export type IsoDate = string;

/** True for a real calendar date written as YYYY-MM-DD (2026-02-30 is not one). */
export function isIsoDate(value: string): value is IsoDate {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Set as a full year: Date.UTC reads years 0 to 99 as 1900 to 1999. There is no year 0.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The business date (in UTC+08:00) of an instant. */
export function businessDateOf(instant: Date): IsoDate {
  return new Date(instant.getTime() + BUSINESS_UTC_OFFSET_HOURS * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/** The business year of an instant: the year a number issued at that instant carries. */
export function businessYearOf(instant: Date): number {
  return Number(businessDateOf(instant).slice(0, 4));
}

/** Midnight at the start of a business date, as an instant. */
export function startOfBusinessDate(date: IsoDate): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - BUSINESS_UTC_OFFSET_HOURS * 60 * 60 * 1000);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to`: the first day excluded, the last included. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS);
}

/**
 * A business date as stored in a DATE column. Prisma maps DATE to a Date at UTC midnight, so
 * the calendar date travels as that instant; `isoDateOfColumn` reads it back.
 */
export function dateColumn(date: IsoDate): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

export function isoDateOfColumn(value: Date): IsoDate {
  return value.toISOString().slice(0, 10);
}

/**
 * An instant as "YYYY-MM-DD HH:mm" in China Standard Time. The offset is fixed (no daylight
 * saving since 1991), so no time-zone database is consulted and the output cannot drift with
 * the host's ICU data: documents must render byte for byte the same everywhere.
 */
export function formatShanghaiTime(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('cannot format an invalid date');
  return new Date(instant.getTime() + BUSINESS_UTC_OFFSET_HOURS * 60 * 60 * 1000).toISOString().slice(0, 16).replace('T', ' ');
}
