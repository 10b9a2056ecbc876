import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy holds: `arrived` once the upstream applied it; `release()` lets its answer go on (or drops it). */
export type HeldRequest = { arrived: Promise<void>; release: () => void };

/**
 * An HTTP proxy on loopback in front of one emulator surface (point the server's base URL at `url` + the path
 * prefix), for tests that need a Microsoft write to stay "in flight": `hold(match, then)` arms it for the next
 * request `match` accepts. That request is passed on at once (Microsoft applies it); its answer is held until
 * `release()`, then sent (`'answer'`: a slow answer) or the connection is dropped (`'drop'`: the answer lost on
 * the way back, as when the worker dies there). Every other request passes through.
 */
export async function startHoldingProxy() {
  let target = '';
  let armed: {
    match: (req: IncomingMessage) => boolean;
    then: 'answer' | 'drop';
    arrived: () => void;
    release: Promise<void>;
  } | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const held = armed?.match(req) ? armed : null;
      if (held) armed = null;
      const upstream = http.request(
        `${target}${req.url}`,
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            const send = () => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(body));
            };
            if (!held) return send();
            held.arrived();
            void held.release.then(held.then === 'answer' ? send : () => req.socket.destroy());
          });
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Where requests go: the emulator's origin (known only once the world that uses the proxy has started). */
    forwardTo(origin: string) {
      target = origin;
    },
    hold(match: (req: IncomingMessage) => boolean, then: 'answer' | 'drop'): HeldRequest {
      let arrived!: () => void;
      const arrival = new Promise<void>((r) => (arrived = r));
      let release!: () => void;
      armed = { match, then, arrived, release: new Promise<void>((r) => (release = r)) };
      return { arrived: arrival, release };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
