import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdParamsSchema } from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { Change, ChangeFeed } from '../platform/changes/change-feed.ts';
import { actorOf } from './auth.ts';
import type { App } from './types.ts';

const KEEP_ALIVE_MS = 15_000;
/** Changes within this window (one transaction's rows, a burst of steps) load the view once. */
const COALESCE_MS = 20;

/**
 * Loads shared by the streams of one actor and object (several open tabs of one view): a stream reloading for a
 * change joins a load of its key that started after that change, so a change costs one load and one
 * serialisation per key, not one per stream. `tick()` runs once per change, before any stream hears of it.
 */
export function createSharedLoads() {
  let seq = 0;
  const latest = new Map<
    string,
    { seq: number; users: number; result: Promise<{ value: unknown; data: string }> | null }
  >();
  return {
    tick() {
      seq++;
    },
    get seq() {
      return seq;
    },
    /** Registers a stream of `key`; the answer unregisters it. */
    join(key: string): () => void {
      const entry = latest.get(key) ?? { seq: -1, users: 0, result: null };
      entry.users++;
      latest.set(key, entry);
      return () => {
        entry.users--;
        if (entry.users === 0 && latest.get(key) === entry) latest.delete(key);
      };
    },
    /** `load()` with its JSON, shared with the key's other streams if one started at or after change `since`. */
    run<T>(key: string, since: number, load: () => Promise<T>): Promise<{ value: T; data: string }> {
      const entry = latest.get(key);
      if (!entry) return load().then((value) => ({ value, data: JSON.stringify(value) }));
      if (!entry.result || entry.seq < since) {
        const result = load().then((value) => ({ value, data: JSON.stringify(value) }));
        entry.seq = seq;
        entry.result = result;
        // A failed load is not kept: the next reload tries again.
        result.catch(() => {
          if (entry.result === result) entry.result = null;
        });
      }
      return entry.result as Promise<{ value: T; data: string }>;
    },
  };
}
type SharedLoads = ReturnType<typeof createSharedLoads>;

/**
 * Streams `load()` as server-sent events: once at the start, then each time the change feed reports a change
 * `concerns` the stream (and after the feed reconnected), and only when the answer differs from the last one.
 * The first load runs before the stream opens, so an object outside the actor's scope is the usual problem
 * answer. No polling: the database's notifications drive it. A null value is sent as a comment, not an event.
 */
export async function streamChanges<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    event: string;
    load: () => Promise<T>;
    changes: ChangeFeed;
    concerns: (change: Change) => boolean;
    /** Loads shared with the other streams of the same key (`createSharedLoads`). */
    shared?: { loads: SharedLoads; key: string };
  },
): Promise<void> {
  const { event, load, changes, concerns, shared } = options;
  const first = await load();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let last = '';
  let open = true;
  const leave = shared?.loads.join(shared.key);
  const push = (value: T, json?: string) => {
    if (!open) return;
    const data = json ?? JSON.stringify(value);
    if (data === last) return;
    last = data;
    // Nothing (e.g. no run yet) is not an event: a comment keeps the stream visibly open.
    res.write(value === null ? ': nothing yet\n\n' : `event: ${event}\ndata: ${data}\n\n`);
  };
  push(first);

  // One load at a time; changes during a load cause one more load after it.
  let loading = false;
  let again = false;
  let pending: NodeJS.Timeout | null = null;
  /** The change the next load must include (shared loads). */
  let since = 0;
  const reload = async () => {
    pending = null;
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        if (shared) {
          const { value, data } = await shared.loads.run(shared.key, since, load);
          push(value, data);
        } else push(await load());
      } while (again && open);
    } catch (e) {
      request.log.warn({ err: e }, 'live view could not be loaded');
    } finally {
      loading = false;
    }
  };
  const unsubscribe = changes.subscribe((change) => {
    if (!open || (change && !concerns(change))) return;
    if (shared) since = shared.loads.seq;
    pending ??= setTimeout(() => void reload(), COALESCE_MS);
  });
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  request.raw.on('close', () => {
    open = false;
    leave?.();
    unsubscribe();
    clearInterval(keepAlive);
    if (pending) clearTimeout(pending);
  });
}

/**
 * Registers `GET path` (a path with `:id`) as a server-sent-events stream of `load(actor, id)`, reloaded on the
 * changes whose `scope` field (the service's or the customer's id) is that id.
 */
export function registerChangeStream<T>(
  app: App,
  path: string,
  doc: { tags: string[]; summary: string; description?: string },
  stream: {
    event: string;
    changes: ChangeFeed;
    scope: 'serviceId' | 'customerId';
    load: (actor: Actor, id: string) => Promise<T>;
  },
): void {
  const { event, changes, scope, load } = stream;
  // Subscribed before any stream of this route, so each change is counted before the streams hear of it.
  const loads = createSharedLoads();
  changes.subscribe(() => loads.tick());
  app.get(
    path,
    { schema: { ...doc, params: IdParamsSchema, produces: ['text/event-stream'] } },
    async (request, reply) => {
      const actor = actorOf(request);
      const id = request.params.id;
      await streamChanges(request, reply, {
        event,
        load: () => load(actor, id),
        changes,
        concerns: (c) => c[scope] === id,
        // Tabs of one user on one object share their reloads (what they see depends only on who asks).
        shared: { loads, key: `${actor.via}:${actor.userId ?? actor.email}:${id}` },
      });
    },
  );
}
