/**
 * The time left until `target` (ISO) in words for a waiting step: "1 min 05 s", "12 s", or null once it is due (the
 * worker is checking now).
 */
export function timeLeft(target: string, now: number): string | null {
  const ms = Date.parse(target) - now;
  if (!Number.isFinite(ms) || ms <= 0) return null;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}
