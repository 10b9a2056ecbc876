import { QOE_MAX_RANGE_DAYS } from '@trunkline/contracts';

/**
 * The Call quality page's time window: a preset (the last 24 hours, 7 or 30 days) that slides with the clock, or a
 * custom range of whole days. Kept in the URL (`range`, `from`, `to`) so reload, Back and a shared link keep the
 * view. Pure: the caller passes the clock.
 */

export const RANGE_PRESETS = ['24h', '7d', '30d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export type RangeKind = RangePreset | 'custom';

export const rangeLabels: Record<RangeKind, string> = {
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom',
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const presetMs: Record<RangePreset, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY };

/** The longest custom range, in days (the API's limit). */
export const MAX_CUSTOM_DAYS = QOE_MAX_RANGE_DAYS;

/** What the URL says, read leniently: anything unknown or malformed is the default (the last 24 hours). */
export type RangeParams = { range: string | null; from: string | null; to: string | null };

export type Range =
  | { kind: RangePreset }
  /** `from` and `to` are calendar days (YYYY-MM-DD, local time), both included. */
  | { kind: 'custom'; from: string; to: string };

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD that names a real calendar day, as a local-midnight Date; null otherwise. */
export function parseDay(value: string | null | undefined): Date | null {
  const m = DAY_RE.exec(value ?? '');
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(y, mo - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date;
}

/** A Date's local calendar day as YYYY-MM-DD. */
export function formatDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Calendar days from `a` to `b` (a daylight-saving change makes a day 23 or 25 hours long). */
const daysBetween = (a: Date, b: Date) => Math.round((b.getTime() - a.getTime()) / DAY);

export function readRange(params: RangeParams): Range {
  if (params.range === 'custom') {
    const from = parseDay(params.from);
    const to = parseDay(params.to);
    if (from && to && from <= to && daysBetween(from, to) < MAX_CUSTOM_DAYS)
      return { kind: 'custom', from: formatDay(from), to: formatDay(to) };
    return { kind: '24h' };
  }
  return (RANGE_PRESETS as readonly string[]).includes(params.range ?? '')
    ? { kind: params.range as RangePreset }
    : { kind: '24h' };
}

/** The URL parameters of a range (the default, the last 24 hours, is no parameter at all). */
export function rangeToParams(range: Range): RangeParams {
  if (range.kind === 'custom') return { range: 'custom', from: range.from, to: range.to };
  return { range: range.kind === '24h' ? null : range.kind, from: null, to: null };
}

/**
 * The instants to ask the API for: `[from, to)`. A preset ends at `now` (to the second), so the page asks for it
 * when it fetches and every refresh slides it forward; a custom range runs from the first day's local midnight to
 * the midnight after the last day.
 */
export function rangeWindow(range: Range, now: number): { from: string; to: string } {
  if (range.kind === 'custom') {
    const from = parseDay(range.from)!;
    const last = parseDay(range.to)!;
    const to = new Date(last.getFullYear(), last.getMonth(), last.getDate() + 1);
    return { from: from.toISOString(), to: to.toISOString() };
  }
  const end = Math.floor(now / 1000) * 1000;
  return { from: new Date(end - presetMs[range.kind]).toISOString(), to: new Date(end).toISOString() };
}

/**
 * The label of a time-series bucket (the API picks its size, `range.bucketSeconds`): its local day for day-long
 * buckets, its local time otherwise, with the day in front when the range spans more than one day.
 */
export function bucketLabel(
  start: string,
  range: { from: string; to: string; bucketSeconds: number },
): string {
  const d = new Date(start);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.`;
  if (range.bucketSeconds >= 86_400) return day;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return Date.parse(range.to) - Date.parse(range.from) >= DAY ? `${day} ${time}` : time;
}

/** A range in words, for headings and empty states ("the last 7 days", "2026-12-01 – 2026-12-07"). */
export function describeRange(range: Range): string {
  if (range.kind === 'custom') return range.from === range.to ? range.from : `${range.from} – ${range.to}`;
  return rangeLabels[range.kind].replace(/^Last/, 'the last');
}
