import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Field names whose values never reach a log line, at any depth. */
const SECRET_KEY = /(authorization|cookie|password|passwd|secret|token|key)/i;
const REDACTED = '[redacted]';

/** Masks secrets that travel inside URLs: invitation links and credential-like query parameters. */
export function redactUrl(url: string): string {
  return url
    .replace(/(\/invite\/)[^/?#]+/gi, `$1${REDACTED}`)
    .replace(/([?&][^=&#]*(?:token|secret|password|code|key|state)[^=&#]*=)[^&#]*/gi, `$1${REDACTED}`);
}

/** The parameters of failed SQL queries anywhere in an error's cause chain (Drizzle keeps them as `params`). */
function queryParams(error: Error, seen = new Set<unknown>()): string[] {
  if (seen.has(error)) return [];
  seen.add(error);
  const own = (error as { params?: unknown }).params;
  const values = Array.isArray(own)
    ? own.flatMap((p) =>
        p === null || p === undefined ? [] : [typeof p === 'object' ? JSON.stringify(p) : String(p)],
      )
    : [];
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? [...values, ...queryParams(cause, seen)] : values;
}

/** Fields of database errors that never carry values: the statement is kept, its parameters never are. */
const DROPPED_ERROR_FIELDS = new Set(['params', 'queryOptions', 'parameters', 'values']);

/**
 * An error as a log field: type, message, stack, SQLSTATE `code` and the other own fields, without SQL
 * parameters (password and token hashes, e-mail addresses). Drizzle writes them into its message
 * (`Failed query: …\nparams: …`); the database echoes them in messages and `detail` ("Key (email)=(…)").
 */
export function serializeError(
  error: Error,
  seen = new WeakSet<object>(),
  params = queryParams(error),
): Record<string, unknown> {
  seen.add(error);
  const scrub = (text: string) => {
    let out = text.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/, '');
    // Longest first, so a value that contains another is masked whole.
    for (const p of [...params].sort((a, b) => b.length - a.length))
      if (p.length >= 3) out = out.split(p).join(REDACTED);
    return out;
  };
  const out: Record<string, unknown> = {
    type: error.constructor?.name ?? error.name,
    message: scrub(error.message),
    stack: error.stack ? scrub(error.stack) : undefined,
  };
  for (const [k, v] of Object.entries(error)) {
    if (DROPPED_ERROR_FIELDS.has(k) || k === 'cause') continue;
    out[k] = SECRET_KEY.test(k) ? REDACTED : typeof v === 'string' ? scrub(v) : redactDeep(v, seen);
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error)
    out.cause = seen.has(cause) ? '[circular]' : serializeError(cause, seen, params);
  else if (cause !== undefined) out.cause = redactDeep(cause, seen);
  return out;
}

export function redactDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return serializeError(value, seen);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, seen));
  if (Buffer.isBuffer(value)) return REDACTED;
  // Class instances (requests, replies) are left to their serializers, which pick safe fields.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean'
        ? REDACTED
        : redactDeep(v, seen);
  }
  return out;
}

export function createLogger(options: {
  level: string;
  destination?: DestinationStream;
  name?: string;
}): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'trunkline',
      formatters: {
        log: (obj) => redactDeep(obj) as Record<string, unknown>,
      },
      serializers: {
        req: (req: { method?: string; url?: string; ip?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url ? redactUrl(req.url) : undefined,
          ip: req.ip,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: (err: unknown) => (err instanceof Error ? serializeError(err) : err),
      },
    },
    options.destination,
  );
}
