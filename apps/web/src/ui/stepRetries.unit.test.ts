import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeRetry, formatRetryTime, retryCount, retrySummary } from './stepRetries.ts';

const at = '2026-12-07T20:00:00.000Z';
// The endings the routing runner writes (apps/server/src/routing/runner.ts).
const throttled = (message: string, seconds: number) =>
  `${message} (Microsoft asked to wait ${seconds} s: Retry-After; trying again at 2026-12-07T20:00:02.000Z)`;
const token = (message: string) =>
  `${message} (Microsoft refused the access token: a new one was requested and the step tried again)`;

describe('describeRetry', () => {
  it('reads the four kinds the runner writes, keeping Microsoft’s text', () => {
    expect(
      describeRetry({
        at,
        reason: throttled(
          'Too many requests. Please retry after the time given in the Retry-After header.',
          2,
        ),
      }),
    ).toEqual({
      at,
      kind: 'throttled',
      label: 'Throttled (Retry-After 2 s)',
      text: 'Too many requests. Please retry after the time given in the Retry-After header.',
      retryAfterSeconds: 2,
    });
    expect(
      describeRetry({
        at,
        reason: 'The service is temporarily unavailable. Please retry later. (trying again)',
      }),
    ).toMatchObject({
      kind: 'failure',
      label: 'Passing failure',
      text: 'The service is temporarily unavailable. Please retry later.',
      retryAfterSeconds: null,
    });
    expect(
      describeRetry({ at, reason: token('Lifetime validation failed, the token is expired.') }),
    ).toMatchObject({
      kind: 'token',
      label: 'Token re-acquired',
      text: 'Lifetime validation failed, the token is expired.',
    });
    expect(
      describeRetry({ at, reason: 'Waiting: Microsoft does not accept the domain as a gateway yet.' }),
    ).toMatchObject({
      kind: 'wait',
      label: 'Waiting',
      text: 'Microsoft does not accept the domain as a gateway yet.',
    });
  });

  it('keeps parentheses inside the message and a fractional Retry-After', () => {
    const message =
      'Microsoft Graph asked to wait before calling this tenant again (3 s left); GET /x was not sent.';
    expect(describeRetry({ at, reason: throttled(message, 2.5) })).toMatchObject({
      kind: 'throttled',
      text: message,
      retryAfterSeconds: 2.5,
    });
    expect(
      describeRetry({ at, reason: 'Sign-in failed (Microsoft: AADSTS90033) (trying again)' }),
    ).toMatchObject({
      kind: 'failure',
      text: 'Sign-in failed (Microsoft: AADSTS90033)',
    });
  });

  it('keeps an unknown reason whole', () => {
    expect(describeRetry({ at, reason: 'Something else happened' })).toMatchObject({
      kind: 'other',
      label: 'Retried',
      text: 'Something else happened',
    });
  });

  it('never loses the reason: the text is a non-empty part of it for any message', () => {
    const wrappers = [
      (m: string) => throttled(m, 7),
      (m: string) => `${m} (trying again)`,
      token,
      (m: string) => `Waiting: ${m}`,
      (m: string) => m,
    ];
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((m) => m.trim() !== ''),
        fc.integer({ min: 0, max: 4 }),
        (message, w) => {
          const reason = wrappers[w]!(message);
          const entry = describeRetry({ at, reason });
          expect(entry.text.length).toBeGreaterThan(0);
          expect(reason).toContain(entry.text);
          expect(entry.at).toBe(at);
        },
      ),
    );
  });
});

describe('retryCount and retrySummary', () => {
  it('counts retries in words', () => {
    expect(retryCount(0)).toBe('');
    expect(retryCount(1)).toBe('1 retry');
    expect(retryCount(3)).toBe('3 retries');
  });
  it('sums the kinds in a fixed order', () => {
    const entries = [
      'Waiting: DNS not visible yet.',
      throttled('Too many requests.', 2),
      'Waiting: still not visible.',
      'Bad Gateway (trying again)',
    ].map((reason) => describeRetry({ at, reason }));
    expect(retrySummary(entries)).toBe('1 throttled, 1 passing failure, 2 waits');
    expect(retrySummary([])).toBe('');
  });
});

describe('formatRetryTime', () => {
  it('shows the second, and an unreadable time as it is', () => {
    expect(formatRetryTime(at)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00$/);
    expect(formatRetryTime('not a time')).toBe('not a time');
  });
});
