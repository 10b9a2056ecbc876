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
  /**
   * Messages between the processes on another channel (e.g. the throttle gate's): `listen` hears every process's,
   * this one's included; `notify` sends at once, outside any transaction, and drops the message while the
   * listening connection is being re-established (a best effort, for hints that may be lost). `listen` settles once
   * the database listens (a failure to listen is logged, not thrown; a malformed channel name is refused).
   */
  listen(channel: string, listener: (payload: string) => void): Promise<void>;
  notify(channel: string, payload: string): void;
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

  /** Listeners of the other channels. */
  const channels = new Map<string, Set<(payload: string) => void>>();
  const deliver = (channel: string, payload: string) => {
    for (const l of channels.get(channel) ?? []) {
      try {
        l(payload);
      } catch (e) {
        log.warn({ err: e, channel }, 'notification listener failed');
      }
    }
  };
  const channelName = (channel: string) => {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel) || channel === CHANGE_CHANNEL)
      throw new Error(`Not a channel for listen/notify: ${channel}`);
    return channel;
  };

  if (handle.kind === 'pglite') {
    const { pglite } = handle;
    const unlisten = [
      await pglite.listen(CHANGE_CHANNEL, (payload) => {
        const change = parse(payload);
        if (change) emit(change);
      }),
    ];
    return {
      subscribe,
      async listen(channel, listener) {
        const name = channelName(channel);
        const set = channels.get(name);
        if (set) return void set.add(listener);
        channels.set(name, new Set([listener]));
        await pglite
          .listen(name, (payload) => deliver(name, payload))
          .then(
            (u) => void unlisten.push(u),
            (err: unknown) => log.warn({ err, channel: name }, 'cannot listen'),
          );
      },
      notify(channel, payload) {
        pglite
          .query('select pg_notify($1, $2)', [channelName(channel), payload])
          .catch((err: unknown) => log.warn({ err, channel }, 'notify failed'));
      },
      async close() {
        listeners.clear();
        channels.clear();
        await Promise.all(unlisten.map((u) => u().catch(() => undefined)));
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
      if (n.channel !== CHANGE_CHANNEL) {
        if (n.payload !== undefined) deliver(n.channel, n.payload);
        return;
      }
      const change = n.payload ? parse(n.payload) : null;
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
    for (const name of channels.keys()) await c.query(`LISTEN ${name}`);
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
    async listen(channel, listener) {
      const name = channelName(channel);
      const set = channels.get(name);
      if (set) return void set.add(listener);
      channels.set(name, new Set([listener]));
      // A connection made from now on listens to it too (connect); this one is told now.
      await client?.query(`LISTEN ${name}`).then(
        () => undefined,
        (err: unknown) => log.warn({ err, channel: name }, 'cannot listen'),
      );
    },
    notify(channel, payload) {
      client
        ?.query('select pg_notify($1, $2)', [channelName(channel), payload])
        .catch((err: unknown) => log.warn({ err, channel }, 'notify failed'));
    },
    async close() {
      closed = true;
      listeners.clear();
      channels.clear();
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
