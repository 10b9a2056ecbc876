import dayjs from 'dayjs';
import type { WorkflowStep } from '@trunkline/contracts';

/**
 * A routing step's retry history (`WorkflowStep.retries`) for people: what kind of retry each entry was and
 * Microsoft's (or the step's) own text. The server writes the reason as the step's message plus how it goes on
 * (apps/server/src/routing/runner.ts); the kind is read from that ending:
 *
 * - throttled: "<message> (Microsoft asked to wait <n> s: Retry-After; trying again at <time>)"
 * - failure:   "<message> (trying again)" — a passing failure (5xx, timeout, DNS server down)
 * - token:     "<message> (Microsoft refused the access token: a new one was requested and the step tried again)"
 * - wait:      "Waiting: <message>" — Microsoft or DNS not ready yet (replication, activation, DNS records)
 *
 * Any other reason is kept whole as `other`.
 */
export type StepRetry = WorkflowStep['retries'][number];
export type RetryKind = 'throttled' | 'failure' | 'token' | 'wait' | 'other';

export type RetryEntry = {
  at: string;
  kind: RetryKind;
  /** The kind in words, with Microsoft's Retry-After when it gave one. */
  label: string;
  /** The message behind the retry (Microsoft's text where it is one), without the runner's ending. */
  text: string;
  /** Seconds Microsoft asked to wait (throttled only). */
  retryAfterSeconds: number | null;
};

const THROTTLED = /\s*\(Microsoft asked to wait (\d+(?:\.\d+)?) s: Retry-After; trying again at [^()]*\)\s*$/;
const TOKEN =
  /\s*\(Microsoft refused the access token: a new one was requested and the step tried again\)\s*$/;
const FAILURE = /\s*\(trying again\)\s*$/;
const WAIT = /^\s*Waiting:\s*/;

export const retryKindLabels: Record<RetryKind, string> = {
  throttled: 'Throttled',
  failure: 'Passing failure',
  token: 'Token re-acquired',
  wait: 'Waiting',
  other: 'Retried',
};

/** One history entry, its kind read from the reason's wording. */
export function describeRetry(retry: StepRetry): RetryEntry {
  const { at, reason } = retry;
  const entry = (kind: RetryKind, text: string, retryAfterSeconds: number | null = null): RetryEntry => ({
    at,
    kind,
    label:
      retryAfterSeconds === null
        ? retryKindLabels[kind]
        : `${retryKindLabels[kind]} (Retry-After ${retryAfterSeconds} s)`,
    text: text.trim() || reason.trim(),
    retryAfterSeconds,
  });
  const throttled = THROTTLED.exec(reason);
  if (throttled) return entry('throttled', reason.slice(0, throttled.index), Number(throttled[1]));
  const token = TOKEN.exec(reason);
  if (token) return entry('token', reason.slice(0, token.index));
  const failure = FAILURE.exec(reason);
  if (failure) return entry('failure', reason.slice(0, failure.index));
  if (WAIT.test(reason)) return entry('wait', reason.replace(WAIT, ''));
  return entry('other', reason);
}

/** "1 retry", "3 retries"; empty for none. */
export function retryCount(count: number): string {
  if (count <= 0) return '';
  return `${count} ${count === 1 ? 'retry' : 'retries'}`;
}

const kindNouns: Record<RetryKind, [one: string, many: string]> = {
  throttled: ['throttled', 'throttled'],
  failure: ['passing failure', 'passing failures'],
  token: ['token re-acquired', 'tokens re-acquired'],
  wait: ['wait', 'waits'],
  other: ['other', 'other'],
};

/** How many of each kind, in the order of `retryKindLabels`: "2 throttled, 1 wait". */
export function retrySummary(entries: readonly RetryEntry[]): string {
  const counts = new Map<RetryKind, number>();
  for (const e of entries) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return (Object.keys(retryKindLabels) as RetryKind[])
    .filter((k) => counts.has(k))
    .map((k) => {
      const n = counts.get(k) ?? 0;
      return `${n} ${kindNouns[k][n === 1 ? 0 : 1]}`;
    })
    .join(', ');
}

/** When a retry happened, to the second (retries of one step are often seconds apart). */
export function formatRetryTime(iso: string): string {
  const d = dayjs(iso);
  return d.isValid() ? d.format('YYYY-MM-DD HH:mm:ss') : iso;
}
