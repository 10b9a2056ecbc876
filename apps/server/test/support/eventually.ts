/**
 * The one polling helper: calls `probe` until it answers something other than `undefined`, `null` or `false`,
 * and answers that. A probe that throws (a failed `expect`, a refused connection) counts as "not yet"; when time
 * runs out the last error, or the last answer, is in the message.
 *
 * Wait for a positive signal (the job completed, the status changed, the e-mail arrived), never for time to pass:
 * a test that sleeps and then asserts that something did not happen passes on a slow machine for the wrong reason.
 *
 *   const sent = await eventually('the invitation is sent', async () => {
 *     const inv = expectStatus(await admin.get(`/api/v1/invitations/${id}`), 200);
 *     return inv.status === 'sent' && inv;
 *   });
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 20_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: { error: unknown } | { value: unknown };
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= until) {
      const detail =
        'error' in last
          ? `last error: ${last.error instanceof Error ? last.error.message : String(last.error)}`
          : `last answer: ${JSON.stringify(last.value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})`, {
        cause: 'error' in last ? last.error : undefined,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
