/**
 * Sign-in throttling that an attacker cannot turn against the account's owner.
 *
 * Failed sign-ins are counted per e-mail *and* address, per address, and per e-mail:
 * - an address gets `maxFailures` free wrong passwords for one e-mail, then must wait before each next try,
 *   a wait that doubles with every further failure (up to the window);
 * - an address has a budget of `maxFailures × 4` failures over all e-mails in the window (password spraying);
 * - an e-mail that failed `maxFailures × 10` times in the window from many addresses (a distributed attack) is
 *   closed to every address that has already failed for it, but stays open to addresses that have not.
 * An address without failures is therefore never refused: the owner signing in from their own address gets in
 * while someone else is guessing their password, however many guesses there were.
 */
export type LoginFailureCounts = {
  /** Failures of this e-mail from this address in the window, and when the last of them was. */
  pair: number;
  pairLast: Date | null;
  /** Failures from this address in the window (any e-mail), and when the oldest of them was. */
  ip: number;
  ipOldest: Date | null;
  /** Failures of this e-mail in the window (any address). */
  email: number;
};

export type ThrottlePolicy = { maxFailures: number; windowMs: number };

/** The first wait once an address has used its free failures for an e-mail; it doubles with every further one. */
export const FIRST_DELAY_MS = 30_000;

/** Per-address budget (all e-mails) and per-e-mail budget (all addresses), as multiples of `maxFailures`. */
export const ADDRESS_BUDGET_FACTOR = 4;
export const EMAIL_BUDGET_FACTOR = 10;

/** The wait an address must observe after `failures` wrong passwords for one e-mail (0 while still free). */
export function delayAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.maxFailures) return 0;
  const doublings = Math.min(failures - policy.maxFailures, 30);
  return Math.min(policy.windowMs, FIRST_DELAY_MS * 2 ** doublings);
}

/** `null` when this address may try this e-mail now, else how many seconds it must wait (Retry-After). */
export function throttleFor(counts: LoginFailureCounts, now: Date, policy: ThrottlePolicy): number | null {
  const t = now.getTime();
  const waits: number[] = [];
  if (counts.ip >= policy.maxFailures * ADDRESS_BUDGET_FACTOR)
    waits.push((counts.ipOldest?.getTime() ?? t) + policy.windowMs - t);
  if (counts.pair > 0 && counts.pairLast) {
    const last = counts.pairLast.getTime();
    const delay = delayAfter(counts.pair, policy);
    if (delay > 0) waits.push(last + delay - t);
    if (counts.email >= policy.maxFailures * EMAIL_BUDGET_FACTOR) waits.push(last + policy.windowMs - t);
  }
  const wait = Math.max(0, ...waits);
  return wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : null;
}
