/**
 * The QoE webhook bench's load generator in its own process (as Graph is another machine), so its CPU time does
 * not count against the server's: reads `{url, concurrency, bodies: string[]}` as JSON on stdin, posts the bodies
 * in order over `concurrency` connections, and prints one JSON line `{wallMs, samples: [startMs, ms, status][]}`.
 */
import { performance } from 'node:perf_hooks';

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const { url, concurrency, bodies } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
  url: string;
  concurrency: number;
  bodies: string[];
};
const samples: [number, number, number][] = [];
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      samples.push([Math.round(started - t0), performance.now() - started, res.status]);
    }
  }),
);
process.stdout.write(`${JSON.stringify({ wallMs: performance.now() - t0, samples })}\n`);
