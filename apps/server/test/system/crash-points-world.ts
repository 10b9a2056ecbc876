import { randomInt } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { startAudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { startRoutingEmulators } from './routing-world.ts';

/**
 * The outside world of the 50-crash-points test (crash-points.test.ts), in the test process while Trunkline runs
 * in its own processes: the provider's DNS (RFC 2136 emulator behind a proxy that holds answers back), Microsoft
 * 365 with two customer tenants, and an AudioCodes Mediant. Every call Trunkline makes to them is counted here as
 * it is answered (`CallTap`), so the test can kill the worker at a chosen count of calls, or right after a chosen
 * write has changed a device and before the worker has read the answer.
 */

export const ZONE = 'sbc.points.example';
export const SBC_ADDRESSES = ['198.51.100.30', '2001:db8::30'];
export const TSIG_KEY_NAME = 'trunkline-points';
export const TENANTS = ['contoso', 'tailspin'] as const;
export const SBC_USER = { username: 'trunkline', password: 'points-sbc' };

/** mulberry32: a small seeded PRNG, so a run's kill points can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `CRASH_SEED` when set (to replay a run), else a fresh one. */
export function crashSeed(env: string | undefined): number {
  if (env === undefined || env === '') return randomInt(2 ** 31);
  const seed = Number(env);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`CRASH_SEED must be a non-negative integer: ${env}`);
  return seed;
}

export type Call = {
  device: 'm365' | 'sbc' | 'dns';
  method: string;
  path: string;
  status: number | string;
  /** It changed the device: a Graph/Teams/SBC write answered 2xx, or a DNS UPDATE answered NOERROR. */
  write: boolean;
};

/**
 * Counts the calls the emulators answer. HTTP (Microsoft 365, AudioCodes) through node's diagnostics channel
 * `http.server.response.finish`: the handler has applied the call and handed its answer to the socket, so a
 * listener that kills the worker synchronously lands after the device changed and before the worker read the
 * answer. DNS by polling the emulator's request log every few milliseconds (its answers are held back by the
 * proxy for longer than that, so a kill after an UPDATE still lands before the worker learns of it).
 */
export function tapCalls(world: { m365Port: number; sbcPort: number; dnsLog: () => readonly unknown[] }) {
  const calls: Call[] = [];
  const listeners = new Set<(call: Call) => void>();
  const emit = (call: Call) => {
    calls.push(call);
    for (const l of listeners) l(call);
  };
  const portOf = (socket: Socket | null | undefined) => socket?.localPort;

  const onFinish = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const port = portOf(request.socket);
    const url = request.url ?? '/';
    const method = request.method ?? 'GET';
    const ok = response.statusCode < 400;
    if (port === world.m365Port) {
      if (url.startsWith('/_control')) return;
      const surface = url.startsWith('/graph') ? 'graph' : url.startsWith('/teams') ? 'teams' : 'identity';
      emit({
        device: 'm365',
        method,
        path: url.split('?')[0]!,
        status: response.statusCode,
        write: surface !== 'identity' && method !== 'GET' && ok,
      });
    } else if (port === world.sbcPort) {
      if (!url.startsWith('/api')) return;
      emit({ device: 'sbc', method, path: url, status: response.statusCode, write: method !== 'GET' && ok });
    }
  };
  diagnostics.subscribe('http.server.response.finish', onFinish);

  // DNS: the emulator logs each request as it arrives and sets its rcode when it answers (at once, before the
  // proxy passes the answer on): a request counts on the tick after it was first seen, with its answer's rcode.
  let seen = 0;
  let tick = 0;
  const pending: { tick: number; r: { opcode: string; name: string; type: string; rcode: string } }[] = [];
  const poll = setInterval(() => {
    tick++;
    const log = world.dnsLog() as { opcode: string; name: string; type: string; rcode: string }[];
    while (pending.length && pending[0]!.tick < tick) {
      const { r } = pending.shift()!;
      emit({
        device: 'dns',
        method: r.opcode,
        path: `${r.name} ${r.type}`,
        status: r.rcode,
        write: r.opcode === 'UPDATE' && r.rcode === 'NOERROR',
      });
    }
    for (; seen < log.length; seen++) pending.push({ tick, r: log[seen]! });
  }, 5);

  return {
    calls,
    onCall(listener: (call: Call) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      clearInterval(poll);
      diagnostics.unsubscribe('http.server.response.finish', onFinish);
    },
  };
}
export type CallTap = ReturnType<typeof tapCalls>;

/**
 * The DNS emulator for {@link ZONE}, the delaying proxy Trunkline is pointed at, Microsoft 365 with the tenants of
 * {@link TENANTS} (copies of contoso, consented to the provider app; directory replication on) and an AudioCodes
 * Mediant with the user {@link SBC_USER}.
 */
export async function startPointsWorld(options: { dnsDelayMs: number; replicationSeconds: number }) {
  const emulators = await startRoutingEmulators({
    dnsDelayMs: options.dnsDelayMs,
    zone: ZONE,
    tsigKeyName: TSIG_KEY_NAME,
    tenants: TENANTS,
    replicationSeconds: options.replicationSeconds,
    // Entra's documented behaviour: a redeemed refresh token stays valid. The emulator's default (single use) would
    // strand a connection whose worker was killed between the token's answer and its store, which real Entra
    // does not; a kill can fall there unseen (a token request still in the socket's buffer when the worker dies).
    refreshTokenReuse: true,
  });
  const { dns, proxy, emu, tsigSecret, admins, microsoftEnv, allowRedirectsTo } = emulators;
  const sbc = await startAudioCodesEmulator({ users: [{ ...SBC_USER, privilege: 'admin' }] });
  const tap = tapCalls({
    m365Port: Number(new URL(emu.url).port),
    sbcPort: Number(new URL(sbc.url).port),
    dnsLog: () => dns.requests,
  });
  return {
    dns,
    proxy,
    emu,
    sbc,
    tap,
    tsigSecret,
    admins,
    microsoftEnv,
    allowRedirectsTo,
    async stop() {
      tap.stop();
      await sbc.stop();
      await emulators.stop();
    },
  };
}
export type PointsWorld = Awaited<ReturnType<typeof startPointsWorld>>;
