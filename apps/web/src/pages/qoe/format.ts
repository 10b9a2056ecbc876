/**
 * How the Call quality page writes its numbers. Graph reports jitter and round trip as durations (stored in
 * milliseconds) and packet loss, degradation-free ratios as fractions; a missing value (Graph sends none for some
 * streams) is a dash, never 0. Pure.
 */

export const NONE = '—';

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** 12 ms, 0.4 ms, 1,250 ms. */
export function formatMs(ms: number | null | undefined): string {
  if (!finite(ms)) return NONE;
  const digits = Math.abs(ms) < 10 && ms !== Math.trunc(ms) ? 1 : 0;
  return `${ms.toLocaleString('en-US', { maximumFractionDigits: digits })} ms`;
}

/** A fraction as a percentage: 0.1234 → 12.3 %; tiny shares keep a digit more (0.004 → 0.4 %). */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (!finite(fraction)) return NONE;
  const pct = fraction * 100;
  const d = pct !== 0 && Math.abs(pct) < 1 ? digits + 1 : digits;
  return `${Number(pct.toFixed(d)).toLocaleString('en-US', { maximumFractionDigits: d })} %`;
}

/** A plain ratio (Microsoft's audio degradation is a mean opinion score drop, e.g. 1.23). */
export function formatRatio(value: number | null | undefined): string {
  if (!finite(value)) return NONE;
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Call counts: 1,234. */
export function formatCount(n: number | null | undefined): string {
  return finite(n) ? Math.round(n).toLocaleString('en-US') : NONE;
}

/** A call's length: 45 s, 3 min 05 s, 1 h 02 min. */
export function formatDuration(seconds: number | null | undefined): string {
  if (!finite(seconds) || seconds < 0) return NONE;
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

/** Seconds between two instants, or null when either is missing or they are out of order. */
export function secondsBetween(
  start: string | null | undefined,
  end: string | null | undefined,
): number | null {
  if (!start || !end) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
}

/** The share `part / whole` as a fraction, or null when there is nothing to share (no calls, no streams). */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** A final SIP code with its phrase: "486 Busy Here"; Microsoft's 0 is a call that ended normally. */
export function sipLabel(code: number | null | undefined, phrase?: string | null): string {
  if (!finite(code)) return phrase?.trim() || 'Unknown';
  if (code === 0) return `0 ${phrase?.trim() || 'Ended normally'}`;
  return phrase?.trim() ? `${code} ${phrase.trim()}` : String(code);
}

/** A camelCase Graph word in plain English: "callerToCallee" → "caller to callee", "mediationServer" → … */
export function graphWords(value: string | null | undefined): string {
  if (!value) return NONE;
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
}
