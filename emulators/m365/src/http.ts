import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a handler answers; the server writes it. */
export type Reply = {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  html?: string;
  text?: string;
};

export type Surface = 'identity' | 'graph' | 'teams' | 'arm' | 'control';

export type Ctx = {
  req: IncomingMessage;
  method: string;
  url: URL;
  /** Path below the surface's base path (e.g. `/domains/x` for Graph). */
  path: string;
  params: Record<string, string>;
  surface: Surface;
  requestId: string;
  /** `client-request-id` as sent, or a new one. */
  clientRequestId: string;
  /** Tenant id the request was made for, once known (for fault scoping and the request log). */
  tenantId?: string;
  readForm(): Promise<URLSearchParams>;
  readJson(): Promise<unknown>;
};

export type Handler = (ctx: Ctx) => Promise<Reply> | Reply;
export type Route = { method: string; pattern: RegExp; handler: Handler };

/**
 * A route table entry from a template: `:name` matches one segment, a trailing `*` the rest. Literal parentheses
 * and quotes (OData keys like `servicePrincipals(appId='…')`) are escaped.
 */
export const route = (method: string, template: string, handler: Handler): Route => {
  const source = template
    .split('/')
    .map((seg) =>
      seg.startsWith(':')
        ? `(?<${seg.slice(1)}>[^/]+)`
        : seg === '*'
          ? '(?<rest>.*)'
          : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return { method, pattern: new RegExp(`^${source}$`, 'i'), handler };
};

export const match = (routes: Route[], method: string, path: string) => {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method && !(r.method === 'GET' && method === 'HEAD')) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = safeDecode(v);
    return { route: r, params, pathMatched };
  }
  return { route: undefined, params: {}, pathMatched };
};

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Graph-style error ({error:{code,message,innerError}}), identity error (AADSTS) and Teams error share one throwable. */
export class EmulatorError extends Error {
  status: number;
  code: string;
  /** AADSTS number for identity errors. */
  aadsts?: number;
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
  constructor(
    status: number,
    code: string,
    message: string,
    opts: { aadsts?: number; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    if (opts.aadsts !== undefined) this.aadsts = opts.aadsts;
    if (opts.headers) this.headers = opts.headers;
    if (opts.extra) this.extra = opts.extra;
  }
}

/** An identity platform error: `error` is the OAuth code, `aadsts` the AADSTS number. */
export const aad = (
  status: number,
  error: string,
  aadsts: number,
  message: string,
  extra?: Record<string, unknown>,
) => new EmulatorError(status, error, message, { aadsts, ...(extra ? { extra } : {}) });

export const graphError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  new EmulatorError(status, code, message, headers ? { headers } : {});

/** Identity timestamps look like `2024-05-01 10:20:30Z`. */
export const aadTimestamp = (d = new Date()) =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');

export const identityErrorBody = (
  e: EmulatorError,
  ctx: Pick<Ctx, 'requestId' | 'clientRequestId'>,
  baseUrl: string,
) => {
  const timestamp = aadTimestamp();
  const code = e.aadsts ?? 90000;
  return {
    error: e.code,
    // Lines separated by CRLF, as Microsoft sends them.
    error_description: `AADSTS${code}: ${e.message}\r\nTrace ID: ${ctx.requestId}\r\nCorrelation ID: ${ctx.clientRequestId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: ctx.requestId,
    correlation_id: ctx.clientRequestId,
    error_uri: `${baseUrl}/error?code=${code}`,
    ...e.extra,
  };
};

export const graphErrorBody = (
  e: Pick<EmulatorError, 'code' | 'message'> & { extra?: Record<string, unknown> },
  ctx: Pick<Ctx, 'requestId' | 'clientRequestId'>,
) => ({
  error: {
    code: e.code,
    message: e.message,
    innerError: {
      // Throttling answers name the status again as the inner code (`innerCode`), e.g. "429".
      ...(typeof e.extra?.innerCode === 'string' ? { code: e.extra.innerCode } : {}),
      date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
      'request-id': ctx.requestId,
      'client-request-id': ctx.clientRequestId,
    },
  },
});

const MAX_BODY = 1 << 20;

export const readRaw = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new EmulatorError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

export const newCtx = (req: IncomingMessage, url: URL, surface: Surface, path: string): Ctx => {
  let raw: Promise<string> | undefined;
  const body = () => (raw ??= readRaw(req));
  const header = req.headers['client-request-id'];
  return {
    req,
    method: req.method ?? 'GET',
    url,
    path,
    params: {},
    surface,
    requestId: randomUUID(),
    clientRequestId: typeof header === 'string' && header ? header : randomUUID(),
    readForm: async () => new URLSearchParams(await body()),
    readJson: async () => {
      const text = await body();
      if (!text.trim()) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw graphError(
          400,
          'BadRequest',
          'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
        );
      }
    },
  };
};

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A control request's body: a JSON object, else 400 `invalid` (not JSON, or JSON but not an object). */
export const readJsonObject = async (ctx: Ctx): Promise<Record<string, unknown>> => {
  const b = await ctx.readJson().catch(() => {
    throw new EmulatorError(400, 'invalid', 'Body must be JSON');
  });
  if (!isObject(b)) throw new EmulatorError(400, 'invalid', 'Body must be a JSON object');
  return b;
};
