// The accounting day (会计日) and its cut-off (日切): pure arithmetic on instants, dates and a
// time zone. Accounting day D is the half-open interval [cut-off of D-1, cut-off of D): a posting
// exactly at a cut-off instant belongs to the next day. The cut-off of day D is the wall-clock
// time `time` on the calendar date D in `zone`; "24:00" means the midnight that ends date D.
// No I/O: the zone rules come from the runtime's Intl data, the same in a workflow's sandbox.

/** How the ledger's days are cut: a wall-clock time and the IANA zone it is read in. */
export interface CutOffSettings {
  /** IANA zone, e.g. Asia/Shanghai. */
  zone: string;
  /** "HH:MM", from "00:01" to "24:00"; "24:00" is the midnight that ends the date. */
  time: string;
}

export const DEFAULT_CUT_OFF: CutOffSettings = { zone: 'Asia/Shanghai', time: '23:00' };

/**
 * How long after its cut-off instant a day is closed. A database transaction that began before
 * the cut-off and posts "now" is dated before it; transactions are bounded to 15 seconds
 * (prisma/stores/run-transaction.ts), so after this margin none of them can still be writing
 * into the day being closed.
 */
export const CUT_OFF_SETTLE_MS = 60_000;

/** How many days one run of the cut-off closes; a run with more to close continues as new. */
export const CUT_OFF_DAYS_PER_RUN_MAX = 31;

const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_SHAPE = /^(\d{2}):(\d{2})$/;
const DAY_MS = 86_400_000;

/** Parses "HH:MM" into minutes after the date's midnight (1..1440); throws on anything else. */
export function cutOffMinutes(time: string): number {
  const match = TIME_SHAPE.exec(time);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  if (!match || Number(match[2]) > 59 || minutes < 1 || minutes > 1440) throw new RangeError(`cut-off time ${JSON.stringify(time)} must be HH:MM from 00:01 to 24:00`);
  return minutes;
}

/** Whether the runtime knows the zone (an unknown one would silently be UTC elsewhere). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks the settings once, where they are read (config, workflow input). */
export function validateCutOffSettings(settings: CutOffSettings): CutOffSettings {
  cutOffMinutes(settings.time);
  if (!isTimeZone(settings.zone)) throw new RangeError(`cut-off zone ${JSON.stringify(settings.zone)} is not a known IANA time zone`);
  return settings;
}

function daysSinceEpoch(date: string): number {
  const match = DATE_SHAPE.exec(date);
  if (!match) throw new RangeError(`accounting date ${JSON.stringify(date)} must be YYYY-MM-DD`);
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== date) throw new RangeError(`accounting date ${date} does not exist`);
  return ms / DAY_MS;
}

function dateOfDays(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** The calendar date `days` after (or before, when negative) `date`. */
export function addDays(date: string, days: number): string {
  return dateOfDays(daysSinceEpoch(date) + days);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in milliseconds (Asia/Shanghai: +8 h). */
function offsetMs(zone: string, instantMs: number): number {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instantMs))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - (instantMs - (instantMs % 1000 + 1000) % 1000);
}

/**
 * The instant of a wall-clock time in a zone. A time skipped by a daylight-saving change (02:30
 * on a spring-forward night) is read with the offset before the change, i.e. moved forward by the
 * gap (03:30), as Temporal's "compatible" disambiguation does; a time that happens twice (an
 * autumn night) is the first of the two. Asia/Shanghai has no such change.
 */
function instantOfWallTime(zone: string, wallMs: number): number {
  const first = wallMs - offsetMs(zone, wallMs);
  const second = wallMs - offsetMs(zone, first);
  if (second === first) return first;
  // The offset changed between the two guesses: the earlier instant that shows this wall time
  // (autumn), else the wall time does not exist and the later offset applies (spring).
  const earlier = Math.min(first, second);
  if (earlier + offsetMs(zone, earlier) === wallMs) return earlier;
  return Math.max(first, second);
}

/** The cut-off instant that ends accounting day `date`. */
export function cutOffInstant(date: string, settings: CutOffSettings): Date {
  const minutes = cutOffMinutes(settings.time);
  return new Date(instantOfWallTime(settings.zone, daysSinceEpoch(date) * DAY_MS + minutes * 60_000));
}

/** The calendar date of an instant on the zone's wall clock: the date a bank's statement of that instant is of. */
export function calendarDateOf(instant: Date, zone: string): string {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('not a valid instant');
  return dateOfDays(Math.floor((ms + offsetMs(zone, ms)) / DAY_MS));
}

/** The accounting day an instant belongs to: the day whose cut-off is the first one after it (an instant at a cut-off is the next day's). */
export function accountingDateOf(instant: Date, settings: CutOffSettings): string {
  const ms = instant.getTime();
  // The calendar date in the zone is the day or the day before it; cut-offs are increasing.
  const local = calendarDateOf(instant, settings.zone);
  for (const candidate of [addDays(local, -1), local, addDays(local, 1)]) {
    if (ms < cutOffInstant(candidate, settings).getTime()) return candidate;
  }
  throw new Error(`no accounting day found for ${instant.toISOString()} in ${settings.zone}`);
}

/** The latest accounting day whose cut-off instant is at or before `now`: the day a cut-off at `now` closes. */
export function lastEndedDate(now: Date, settings: CutOffSettings): string {
  return addDays(accountingDateOf(now, settings), -1);
}

/**
 * The days a cut-off run closes, oldest first: from the day after the last closed one (or, when
 * none was ever closed, the day of the ledger's first posting, else the day just ended) through
 * the last day whose cut-off is at least CUT_OFF_SETTLE_MS before `now`, at most `max` of them.
 */
export function datesToClose(
  input: { lastClosedDate: string | null; firstEffectiveAt: Date | null; now: Date },
  settings: CutOffSettings,
  max = CUT_OFF_DAYS_PER_RUN_MAX,
): string[] {
  const through = lastEndedDate(new Date(input.now.getTime() - CUT_OFF_SETTLE_MS), settings);
  const from = input.lastClosedDate ? addDays(input.lastClosedDate, 1) : input.firstEffectiveAt ? accountingDateOf(input.firstEffectiveAt, settings) : through;
  const dates: string[] = [];
  for (let date = from; date <= through && dates.length < max; date = addDays(date, 1)) dates.push(date);
  return dates;
}
