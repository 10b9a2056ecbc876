import type { App } from '../../src/http/types.ts';

/**
 * The route table as the running server has it, for tests that must cover every route, including routes added
 * after the test was written. Routes come from Fastify itself (`printRoutes`), their schemas from the OpenAPI
 * document the same server generates.
 */
export type Route = {
  method: string;
  /** Fastify's form, `/api/v1/services/:id/routing`. */
  url: string;
  /** OpenAPI's form, `/api/v1/services/{id}/routing`. */
  path: string;
  /** The JSON schema of the body, when the route takes one. */
  body: JsonSchema | null;
  /** Names of the query parameters. */
  query: string[];
};

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
};

type OpenApi = {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        parameters?: { in: string; name: string }[];
      }
    >
  >;
};

/** Every method + URL Fastify routes (HEAD, which Fastify adds to every GET, left out). */
export function fastifyRoutes(app: App): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const url = stack.join('').replace(/\/+/g, '/');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD'))
      routes.push({ method, url });
  }
  return routes;
}

/** The API routes (`/api/v1/…`) with their schemas; fails when a route is missing from the OpenAPI document. */
export function apiRoutes(app: App, spec: OpenApi): Route[] {
  return fastifyRoutes(app)
    .filter((r) => r.url.startsWith('/api/v1/'))
    .map((r) => {
      const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const op = spec.paths[path]?.[r.method.toLowerCase()];
      if (!op) throw new Error(`${r.method} ${path} is routed but not in the OpenAPI document`);
      return {
        ...r,
        path,
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      };
    });
}

/** A value that satisfies a JSON schema, as simple as possible (first enum value, first alternative). */
export function exampleOf(schema: JsonSchema | undefined, ids: { uuid: string }): unknown {
  if (!schema) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const alternative = schema.oneOf ?? schema.anyOf;
  if (alternative?.length)
    return exampleOf(alternative.find((a) => a.type !== 'null') ?? alternative[0], ids);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((s) => exampleOf(s, ids) as object));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = exampleOf(schema.properties?.[key], ids);
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleOf(schema.items, ids));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string': {
      if (schema.format === 'uuid') return ids.uuid;
      if (schema.format === 'email') return 'someone@example.com';
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'uri') return 'https://example.com/';
      const length = Math.min(Math.max(schema.minLength ?? 1, 12), schema.maxLength ?? 12);
      return 'example-value-xyz'.slice(0, length).padEnd(length, 'x');
    }
    default:
      return null;
  }
}

export type Answer = { status: number; type: string; body: any; text: string };

/** One request over real HTTP, with a deadline (a streaming route that answers must not hang the test). */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, type, body: null, text: '' };
  }
  const text = await res.text();
  let parsed: unknown = text;
  if (type.includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, type, body: parsed, text };
}
