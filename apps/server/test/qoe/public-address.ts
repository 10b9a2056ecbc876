import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The server's "public address" for Microsoft Graph (QOE_WEBHOOK_BASE_URL): a loopback proxy that forwards to the
 * test server once it listens. `holdAnswers(n, ms)` makes the next `n` notification answers (not validation
 * requests) reach Graph `ms` late — the server has answered, the network is slow — which is how a slow webhook
 * looks from Graph's side.
 */
export async function startPublicAddress() {
  let target = '';
  const holds: number[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const hold = req.method === 'POST' && !url.searchParams.has('validationToken') ? (holds.shift() ?? 0) : 0;
    const out = httpRequest(
      url,
      { method: req.method, headers: { ...req.headers, host: url.host } },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const answer = () => {
            if (res.destroyed) return;
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(chunks));
          };
          if (hold > 0) setTimeout(answer, hold);
          else answer();
        });
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwardTo(url: string) {
      target = url;
    },
    holdAnswers(count: number, ms: number) {
      for (let i = 0; i < count; i++) holds.push(ms);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
