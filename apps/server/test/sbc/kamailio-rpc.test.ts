import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKamailioRpc, KamailioRpcError } from '../../src/sbc/kamailio-rpc.ts';
import { SbcError } from '../../src/sbc/sbc-device.ts';

/**
 * The Kamailio JSON-RPC client's reading of answers, over real HTTP: what Kamailio's jsonrpcs answers (its error
 * code as the HTTP status), what a proxy or a broken endpoint answers, and no answer at all. The provisioner against
 * a real Kamailio is the system tier's `kamailio-sip.test.ts`.
 */

type Reply = { status: number; body: string };
let reply: Reply;
let lastRequest: { authorization: string | undefined; body: unknown };
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      lastRequest = { authorization: req.headers.authorization, body: JSON.parse(text) };
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/RPC`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const failure = async (promise: Promise<unknown>): Promise<SbcError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SbcError)) throw new Error(`expected an SbcError, got ${String(error)}`);
  return error;
};

describe('Kamailio JSON-RPC client', () => {
  it('sends JSON-RPC 2.0 with positional parameters and Basic credentials, and returns the result', async () => {
    reply = { status: 200, body: '{"jsonrpc":"2.0","result":"Ok. Key set to new value.","id":1}' };
    const rpc = createKamailioRpc({ url, username: 'trunkline', password: 's3cret' });
    expect(await rpc.call('htable.sets', ['numbers', '+4930123', 'a.sbc.example'])).toBe(
      'Ok. Key set to new value.',
    );
    expect(lastRequest.authorization).toBe(`Basic ${Buffer.from('trunkline:s3cret').toString('base64')}`);
    expect(lastRequest.body).toMatchObject({
      jsonrpc: '2.0',
      method: 'htable.sets',
      params: ['numbers', '+4930123', 'a.sbc.example'],
    });
  });

  it("reads Kamailio's error (its code as HTTP status) as a refusal, not as the SBC failing", async () => {
    reply = {
      status: 500,
      body: '{"jsonrpc":"2.0","error":{"code":500,"message":"Key name doesn\'t exist in htable."},"id":1}',
    };
    const error = await failure(createKamailioRpc({ url }).call('htable.get', ['numbers', 'x']));
    expect(error).toBeInstanceOf(KamailioRpcError);
    expect(error.kind).toBe('rejected');
    expect(error.transient).toBe(false);
    expect((error as KamailioRpcError).code).toBe(500);
  });

  it('maps 401, 403, a failing endpoint, a non-JSON answer and no answer to their kinds', async () => {
    const rpc = createKamailioRpc({ url, timeoutMs: 2000 });
    reply = { status: 401, body: 'Unauthorized\n' };
    expect((await failure(rpc.call('core.version'))).kind).toBe('unauthorized');
    reply = { status: 403, body: 'Forbidden\n' };
    expect((await failure(rpc.call('core.version'))).kind).toBe('forbidden');
    reply = { status: 502, body: '<html>Bad Gateway</html>' };
    const failing = await failure(rpc.call('core.version'));
    expect([failing.kind, failing.transient]).toEqual(['unavailable', true]);
    reply = { status: 200, body: '<html>a login page</html>' };
    expect((await failure(rpc.call('core.version'))).kind).toBe('malformed');
    reply = { status: 200, body: '{"result":"no version field"}' };
    expect((await failure(rpc.call('core.version'))).kind).toBe('malformed');

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await failure(
      createKamailioRpc({ url: `http://127.0.0.1:${port}/RPC`, timeoutMs: 2000 }).call('core.version'),
    );
    expect([unreachable.kind, unreachable.transient]).toEqual(['unavailable', true]);
  });
});
