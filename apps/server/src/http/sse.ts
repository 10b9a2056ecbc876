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
  },
): Promise<void> {
  const { event, load, changes, concerns } = options;
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
  const push = (value: T) => {
    if (!open) return;
    const data = JSON.stringify(value);
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
        push(await load());
      } while (again && open);
    } catch (e) {
      request.log.warn({ err: e }, 'live view could not be loaded');
    } finally {
      loading = false;
    }
  };
  const unsubscribe = changes.subscribe((change) => {
    if (!open || (change && !concerns(change))) return;
    pending ??= setTimeout(() => void reload(), COALESCE_MS);
  });
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  request.raw.on('close', () => {
    open = false;
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
      });
    },
  );
}
