import { SbcError } from './sbc-device.ts';

/**
 * A JSON-RPC 2.0 client for Kamailio's `jsonrpcs` module over HTTP (`xhttp`), as `deploy/kamailio/kamailio.cfg`
 * serves it: `POST <management URL>` (e.g. `http://10.0.0.5:5080/RPC`), positional parameters, HTTP Basic
 * authentication when the SBC entry has credentials. Failures are `SbcError`s: unreachable, timed out or 5xx →
 * `unavailable` (transient); 401/403 → `unauthorized`/`forbidden`; an answer that is not JSON-RPC → `malformed`;
 * a JSON-RPC error → `KamailioRpcError` (a `rejected` SbcError carrying Kamailio's code and message).
 */

export type KamailioRpcOptions = {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  timeoutMs?: number;
};

export type KamailioRpc = {
  /** Calls one RPC command and returns its `result`. */
  call(method: string, params?: (string | number)[]): Promise<unknown>;
};

/** Kamailio answered the call with a JSON-RPC error (e.g. 404 "Key not found in htable."). */
export class KamailioRpcError extends SbcError {
  readonly code: number;
  readonly method: string;
  constructor(method: string, code: number, message: string) {
    super('rejected', `Kamailio refused ${method}: ${message} (${code}).`);
    this.name = 'KamailioRpcError';
    this.code = code;
    this.method = method;
  }
}

export function createKamailioRpc(options: KamailioRpcOptions): KamailioRpc {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.username || options.password) {
    const token = Buffer.from(`${options.username ?? ''}:${options.password ?? ''}`).toString('base64');
    headers.authorization = `Basic ${token}`;
  }
  let nextId = 1;

  return {
    async call(method, params = []) {
      const id = nextId++;
      let res: Response;
      try {
        res = await fetch(options.url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ jsonrpc: '2.0', method, params, id }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        throw new SbcError('unavailable', `The Kamailio SBC could not be reached (${method}).`, { cause: e });
      }
      const text = await res.text().catch((e: unknown) => {
        throw new SbcError('unavailable', `The Kamailio SBC broke off its answer (${method}).`, { cause: e });
      });
      if (res.status === 401)
        throw new SbcError('unauthorized', 'The Kamailio SBC refused the credentials (401).', {
          status: 401,
        });
      if (res.status === 403)
        throw new SbcError(
          'forbidden',
          'The Kamailio SBC refused this client (403): add its address to TL_RPC_CLIENTS.',
          { status: 403 },
        );
      // Kamailio answers a JSON-RPC error with its code as the HTTP status (e.g. 500 for a missing htable key),
      // so the body decides first; only a 5xx without a JSON-RPC body is the SBC failing.
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        if (res.status >= 500)
          throw new SbcError('unavailable', `The Kamailio SBC failed (${res.status}, ${method}).`, {
            status: res.status,
            cause: e,
          });
        throw new SbcError(
          'malformed',
          `The Kamailio SBC answered ${method} with something that is not JSON.`,
          {
            status: res.status,
            cause: e,
          },
        );
      }
      if (typeof body !== 'object' || body === null || (body as { jsonrpc?: unknown }).jsonrpc !== '2.0')
        throw new SbcError('malformed', `The Kamailio SBC answered ${method} without JSON-RPC 2.0.`, {
          status: res.status,
        });
      const { result, error } = body as { result?: unknown; error?: { code?: unknown; message?: unknown } };
      if (error !== undefined) {
        throw new KamailioRpcError(
          method,
          typeof error.code === 'number' ? error.code : 0,
          typeof error.message === 'string' ? error.message : 'unknown error',
        );
      }
      if (!res.ok)
        throw new SbcError('malformed', `The Kamailio SBC answered ${method} with HTTP ${res.status}.`, {
          status: res.status,
        });
      return result;
    },
  };
}
