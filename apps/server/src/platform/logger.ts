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

export function redactDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: value.message, stack: value.stack };
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redactDeep(v, seen);
    return out;
  }
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
        err: pino.stdSerializers.err,
      },
    },
    options.destination,
  );
}
