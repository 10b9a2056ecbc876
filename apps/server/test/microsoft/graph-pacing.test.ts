import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphClient } from '../../src/microsoft/graph.ts';
import { createThrottleGate, throttleKeys } from '../../src/microsoft/throttle.ts';

const token = (tid: string) =>
  `x.${Buffer.from(JSON.stringify({ appid: 'app', tid })).toString('base64url')}.y`;

/**
 * A request that waits inside its job (a Retry-After of a second) asks the throttle gate again before it goes out:
 * a wait Microsoft gave meanwhile (another request's 429, another process's, as the gate heard it) holds it too.
 * Before, it went out when its own second was over, inside the newer Retry-After (the 500-tenant bench counted such
 * requests as early). A local HTTP server plays Graph: the first write is answered 429 with Retry-After 1.
 */
describe('Graph client pacing', () => {
  let server: Server;
  let base = '';
  const arrivals: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      arrivals.push(Date.now());
      req.resume();
      if (arrivals.length === 1) {
        res.writeHead(429, {
          'retry-after': '1',
          'x-ms-throttle-scope': 'Application/Write/app/t1',
          'content-type': 'application/json',
        });
        res.end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'slow down' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('does not send its retry inside a Retry-After the gate learnt while it slept', async () => {
    const gate = createThrottleGate();
    const graph = createGraphClient(base, { gate });
    const sending = graph.request(token('t1'), 'POST', '/domains', { id: 'x' });
    // Once the 429 is in, another tenant's request of the app is told to wait 1 s more, 400 ms later.
    for (const end = Date.now() + 5_000; arrivals.length === 0; await new Promise((r) => setTimeout(r, 5)))
      if (Date.now() > end) throw new Error('no request');
    await new Promise((r) => setTimeout(r, 400));
    const learntAt = Date.now();
    gate.defer(throttleKeys('graph', token('t2')), 1, 'Application/Write/app/t2');
    await sending;
    expect(arrivals).toHaveLength(2);
    // Its own Retry-After ended about 600 ms after that; the one learnt meanwhile 1 s after it.
    expect(arrivals[1]! - learntAt).toBeGreaterThanOrEqual(950);
  });
});
