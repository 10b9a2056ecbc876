import pg from 'pg';
import type { DatabaseHandle } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/** The channel the database triggers of migration 0012 notify on. */
export const CHANGE_CHANNEL = 'trunkline_changes';

/** A committed change to one service's facets (its row, connection, invitations, M365 settings, runs, steps). */
export type Change = { serviceId: string; customerId: string | null };

/**
 * Committed changes, pushed to subscribers in this process. `null` means "changes may have been missed" (the
 * listening connection was re-established): every subscriber reloads.
 */
export type ChangeFeed = {
  subscribe(listener: (change: Change | null) => void): () => void;
  close(): Promise<void>;
};

const parse = (payload: string): Change | null => {
  try {
    const v = JSON.parse(payload) as { serviceId?: unknown; customerId?: unknown };
    return typeof v.serviceId === 'string'
      ? { serviceId: v.serviceId, customerId: typeof v.customerId === 'string' ? v.customerId : null }
      : null;
  } catch {
    return null;
  }
};

/**
 * Opens the change feed on the application's database. The source is the same on both: triggers call
 * `pg_notify` in the writing transaction, and the database delivers it when (and only if) it commits.
 * - PostgreSQL: one dedicated connection per process LISTENs, so a change made by any process (a worker on
 *   another host, another API) reaches every process; it reconnects with growing pauses and then tells
 *   subscribers to reload.
 * - PGlite: the embedded database lives in this one process (API and workers share it), so its own LISTEN is an
 *   in-process bus; nothing can write from elsewhere.
 */
export async function openChangeFeed(handle: DatabaseHandle, log: Logger): Promise<ChangeFeed> {
  const listeners = new Set<(change: Change | null) => void>();
  const emit = (change: Change | null) => {
    for (const l of listeners) {
      try {
        l(change);
      } catch (e) {
        log.warn({ err: e }, 'change listener failed');
      }
    }
  };
  const subscribe = (listener: (change: Change | null) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  if (handle.kind === 'pglite') {
    const unlisten = await handle.pglite.listen(CHANGE_CHANNEL, (payload) => {
      const change = parse(payload);
      if (change) emit(change);
    });
    return {
      subscribe,
      async close() {
        listeners.clear();
        await unlisten().catch(() => undefined);
      },
    };
  }

  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 250;
  let timer: NodeJS.Timeout | null = null;
  const connect = async (reconnecting: boolean): Promise<void> => {
    const c = new pg.Client({ connectionString: handle.url });
    c.on('notification', (n) => {
      const change = n.channel === CHANGE_CHANNEL && n.payload ? parse(n.payload) : null;
      if (change) emit(change);
    });
    const lost = (err?: unknown) => {
      if (closed || client !== c) return;
      client = null;
      log.warn({ err }, 'change feed connection lost; reconnecting');
      c.end().catch(() => undefined);
      timer = setTimeout(() => void retry(), retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
    c.on('error', lost);
    c.on('end', () => lost());
    await c.connect();
    await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    client = c;
    retryMs = 250;
    if (reconnecting) emit(null);
  };
  const retry = async () => {
    if (closed) return;
    try {
      await connect(true);
    } catch (err) {
      log.warn({ err }, 'change feed cannot reconnect yet');
      timer = setTimeout(() => void retry(), retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  };
  await connect(false);
  return {
    subscribe,
    async close() {
      closed = true;
      listeners.clear();
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
