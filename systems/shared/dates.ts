/**
 * Calendar arithmetic on UTC day numbers (days since 1970-01-01), which keeps
 * the seed generator free of time zones and cheap in tight loops.
 */
const DAY_MS = 86_400_000;

export function dayOf(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

export function dayFromIso(iso: string): number {
  return Math.floor(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / DAY_MS);
}

const isoDayCache = new Map<number, string>();

export function isoDay(day: number): string {
  let iso = isoDayCache.get(day);
  if (iso === undefined) {
    iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (isoDayCache.size < 100_000) isoDayCache.set(day, iso);
  }
  return iso;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isWorkday(day: number): boolean {
  const w = weekday(day);
  return w !== 0 && w !== 6;
}

export function firstOfMonth(day: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS;
}

export function addMonths(day: number, months: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate()) / DAY_MS;
}

/** `YYYY-MM` of a day. */
export function monthKey(day: number): string {
  return isoDay(day).slice(0, 7);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `March 2025`. */
export function monthLabel(day: number): string {
  const d = new Date(day * DAY_MS);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** ISO 8601 date-time of a day plus seconds into it (`2025-03-14T09:30:00.000Z`). */
export function isoDateTime(day: number, secondOfDay = 0): string {
  const s = ((secondOfDay % 86_400) + 86_400) % 86_400;
  const d = day + Math.floor(secondOfDay / 86_400);
  return `${isoDay(d)}T${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}.000Z`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Salesforce's date-time format: `2025-03-14T09:30:00.000+0000`. */
export function salesforceDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

export const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && ISO_DATE_RE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

export function isIsoDateTime(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')));
}

/** `YYYY-MM-DD` plus `days`. */
export function addDaysIso(iso: string, days: number): string {
  return isoDay(dayFromIso(iso) + days);
}
