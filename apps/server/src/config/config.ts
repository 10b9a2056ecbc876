import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The only module that reads the environment. `loadConfig` parses it once, at start, and the typed
 * result is handed down from the composition root. A bad value stops start-up with a message that names
 * the variable and the rule it broke.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number between 1 and 65535' })
    .int({ error: 'must be a whole number between 1 and 65535' })
    .min(1, { error: 'must be a whole number between 1 and 65535' })
    .max(65535, { error: 'must be a whole number between 1 and 65535' })
    .default(fallback);

const positiveInt = (fallback: number, max = 1_000_000) =>
  z.coerce
    .number({ error: `must be a whole number between 1 and ${max}` })
    .int({ error: `must be a whole number between 1 and ${max}` })
    .min(1, { error: `must be a whole number between 1 and ${max}` })
    .max(max, { error: `must be a whole number between 1 and ${max}` })
    .default(fallback);

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
  .transform((v) => v.replace(/\/+$/, ''));

/** Loopback hosts: the only ones where plain http:// keeps a bearer token on this machine. */
const isLoopback = (hostname: string) =>
  hostname === 'localhost' ||
  hostname.endsWith('.localhost') ||
  hostname === '[::1]' ||
  /^127(\.\d{1,3}){3}$/.test(hostname);

/**
 * A base URL that receives bearer tokens (Microsoft, Azure Resource Manager): https://, or http:// only on a
 * loopback host (the sandbox's emulators). Anything else would send tokens in clear text.
 */
/** A comma-separated list of IPv4/IPv6 addresses (empty: none). */
const ipAddressList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const list = (v ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    for (const a of list)
      if (!z.union([z.ipv4(), z.ipv6()]).safeParse(a).success) {
        ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of IP addresses (${a})` });
        return z.NEVER;
      }
    return list;
  });

const bearerUrl = httpUrl.refine((v) => new URL(v).protocol === 'https:' || isLoopback(new URL(v).hostname), {
  error: 'must be an https:// URL (http:// only on a loopback host such as 127.0.0.1 or localhost)',
});

const BannerLinksSchema = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return [];
    try {
      const parsed = z
        .array(z.object({ label: z.string().min(1), url: z.string().min(1) }))
        .safeParse(JSON.parse(v));
      if (parsed.success) return parsed.data;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {"label": "...", "url": "..."}' });
    return z.NEVER;
  });

/** Entra role template ids: Global Administrator, Teams Administrator, Teams Communications Administrator. */
export const DEFAULT_ENTRA_ADMIN_ROLE_IDS = [
  '62e90394-69f5-4237-9190-012177145e10',
  '69091246-20e8-4a56-aa4d-066075b2a7a8',
  'baf37b3a-610e-45da-9e62-d9d1e5e8914b',
];

/**
 * TRUST_PROXY: which hops may name the client in X-Forwarded-For. Nothing by default; a hop count (`1`
 * behind one reverse proxy), or addresses and CIDR ranges of the proxies (proxy-addr's `loopback`,
 * `linklocal` and `uniquelocal` included). "Everyone" (`true`) is refused: anyone could pick their address.
 */
const TrustProxySchema = z
  .string()
  .optional()
  .transform((v, ctx): false | number | string[] => {
    const value = (v ?? '').trim();
    if (value === '' || value === 'false') return false;
    if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 32) return Number(value);
    const list = value
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const address = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);
    for (const a of list)
      if (!['loopback', 'linklocal', 'uniquelocal'].includes(a) && !address.safeParse(a).success) {
        ctx.addIssue({
          code: 'custom',
          message: `must be empty (trust no proxy), a hop count from 1 to 32, or a comma-separated list of proxy addresses and CIDR ranges (${a})`,
        });
        return z.NEVER;
      }
    return list;
  });

const EnvSchema = z
  .object({
    PORT: port(8080),
    HOST: z.string().trim().min(1).default('localhost'),
    TRUST_PROXY: TrustProxySchema,
    PUBLIC_URL: httpUrl.optional(),
    DATA_DIR: z.string().trim().min(1, { error: 'must not be empty' }).default('./data'),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// connection URL' })
        .optional(),
    ),
    DATABASE_POOL_SIZE: positiveInt(10, 200),
    MASTER_KEY: optionalString.pipe(
      z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, {
          error: 'must be 32 random bytes in base64 (for example: openssl rand -base64 32)',
        })
        .optional(),
    ),
    TRUNKLINE_ADMIN_EMAIL: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email({ error: 'must be an e-mail address' }))
      .default('admin@trunkline.example'),
    TRUNKLINE_ADMIN_PASSWORD: optionalString.pipe(
      z.string().min(12, { error: 'must be at least 12 characters' }).max(200).optional(),
    ),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
    SESSION_TTL_HOURS: positiveInt(12, 24 * 30),
    LOGIN_MAX_FAILURES: positiveInt(5, 1000),
    LOGIN_WINDOW_MINUTES: positiveInt(15, 24 * 60),
    API_TOKEN_MAX_DAYS: positiveInt(365, 3650),
    ENTRA_ADMIN_ROLE_IDS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v.trim() === '') return DEFAULT_ENTRA_ADMIN_ROLE_IDS;
        const list = v
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean);
        for (const id of list)
          if (!z.uuid().safeParse(id).success) {
            ctx.addIssue({
              code: 'custom',
              message: `must be a comma-separated list of Entra role template ids (GUIDs) (${id})`,
            });
            return z.NEVER;
          }
        return list;
      }),
    ENTRA_ADMIN_GROUP_ID: optionalString.pipe(
      z.uuid({ error: 'must be the object id (GUID) of an Entra group' }).optional(),
    ),
    // Jobs wait on Microsoft, DNS and the SBC far more than they compute: 8 per queue keeps a process busy.
    WORKER_CONCURRENCY: positiveInt(8, 64),
    WORKER_POLL_SECONDS: positiveInt(2, 60),
    WEB_DIST_DIR: z.string().trim().min(1).default(path.join(repoRoot, 'apps/web/dist')),
    SMTP_URL: optionalString.pipe(
      z
        .string()
        .regex(/^smtps?:\/\//, {
          error: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587',
        })
        .optional(),
    ),
    MAIL_FROM: z.string().trim().min(3).default('Trunkline <no-reply@trunkline.example>'),
    INVITATION_TTL_DAYS: positiveInt(7, 90),
    ENTRA_AUTHORITY: bearerUrl.default('https://login.microsoftonline.com'),
    ENTRA_CLIENT_ID: optionalString,
    ENTRA_CLIENT_SECRET: optionalString,
    GRAPH_BASE_URL: bearerUrl.default('https://graph.microsoft.com/v1.0'),
    TEAMS_ADMIN_BASE_URL: bearerUrl.default('https://api.interfaces.records.teams.microsoft.com'),
    UI_BANNER_TEXT: optionalString,
    UI_BANNER_LINKS: BannerLinksSchema,
    AZURE_ARM_BASE_URL: bearerUrl.default('https://management.azure.com'),
    SBC_ADDRESSES: ipAddressList,
    /** The default SBC created at start while the SBC inventory is empty (the sandbox: the AudioCodes emulator). */
    SBC_DEFAULT_KIND: z
      .enum(['audiocodes', 'kamailio'], { error: 'must be audiocodes or kamailio' })
      .default('audiocodes'),
    SBC_DEFAULT_NAME: optionalString,
    SBC_DEFAULT_URL: bearerUrl.optional(),
    SBC_DEFAULT_USERNAME: optionalString,
    SBC_DEFAULT_PASSWORD: optionalString,
    SBC_DEFAULT_CARRIER_FQDN: optionalString.refine(
      (v) =>
        v === undefined ||
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i.test(v),
      { error: 'must be a domain name such as sbc.provider.example' },
    ),
    SBC_DEFAULT_ADDRESSES: ipAddressList,
    DNS_RFC2136_SERVER: optionalString,
    DNS_TSIG_KEY_NAME: optionalString,
    DNS_TSIG_SECRET: optionalString,
    ROUTING_RETRY_BASE_SECONDS: positiveInt(15, 3600),
    PWSH_PATH: optionalString,
    PATH: optionalString,
    HOME: optionalString,
    PSModulePath: optionalString,
    ROUTING_LEASE_SECONDS: positiveInt(60, 3600),
    ROUTING_SWEEP_SECONDS: positiveInt(60, 3600),
    HEALTH_DNS_RESOLVERS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const list = (v ?? '')
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        for (const r of list) {
          // 192.0.2.53, 192.0.2.53:5353, 2001:db8::53, [2001:db8::53]:5353
          const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(r) ?? /^([\d.]+):(\d{1,5})$/.exec(r);
          const host = m ? m[1]! : r;
          const portOk = !m || (Number(m[2]) >= 1 && Number(m[2]) <= 65535);
          if (!portOk || !z.union([z.ipv4(), z.ipv6()]).safeParse(host).success) {
            ctx.addIssue({
              code: 'custom',
              message: `must be a comma-separated list of resolver addresses with optional ports (${r})`,
            });
            return z.NEVER;
          }
        }
        return list;
      }),
    HEALTH_SIP_PORT: port(5061),
    HEALTH_TIMEOUT_MS: positiveInt(5000, 60_000),
    HEALTH_SPREAD_SECONDS: positiveInt(900, 24 * 3600),
    HEALTH_TLS_CA_FILE: optionalString,
    QOE_RETENTION_DAYS: positiveInt(90, 3650),
    QOE_WEBHOOK_BASE_URL: httpUrl.optional(),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.ENTRA_CLIENT_ID) !== Boolean(env.ENTRA_CLIENT_SECRET))
      ctx.addIssue({
        code: 'custom',
        path: [env.ENTRA_CLIENT_ID ? 'ENTRA_CLIENT_SECRET' : 'ENTRA_CLIENT_ID'],
        message:
          'must be set together with ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (the provider app registration)',
      });
  })
  .transform((env) => ({
    port: env.PORT,
    host: env.HOST,
    /** Fastify's `trustProxy`: which hops may name the client in X-Forwarded-For (see TRUST_PROXY). */
    trustProxy: env.TRUST_PROXY,
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
    dataDir: path.resolve(env.DATA_DIR),
    database: env.DATABASE_URL
      ? ({ kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE } as const)
      : ({ kind: 'pglite', dir: path.join(path.resolve(env.DATA_DIR), 'pglite') } as const),
    masterKey: env.MASTER_KEY ? Buffer.from(env.MASTER_KEY, 'base64') : undefined,
    admin: { email: env.TRUNKLINE_ADMIN_EMAIL, password: env.TRUNKLINE_ADMIN_PASSWORD },
    logLevel: env.LOG_LEVEL,
    session: { ttlHours: env.SESSION_TTL_HOURS },
    login: { maxFailures: env.LOGIN_MAX_FAILURES, windowMinutes: env.LOGIN_WINDOW_MINUTES },
    /** The longest lifetime an API token may be given (days); 90 days is the default at creation. */
    apiTokens: { maxDays: env.API_TOKEN_MAX_DAYS },
    worker: { concurrency: env.WORKER_CONCURRENCY, pollSeconds: env.WORKER_POLL_SECONDS },
    web: { distDir: path.resolve(env.WEB_DIST_DIR) },
    microsoft: {
      authority: env.ENTRA_AUTHORITY,
      app:
        env.ENTRA_CLIENT_ID && env.ENTRA_CLIENT_SECRET
          ? { clientId: env.ENTRA_CLIENT_ID, clientSecret: env.ENTRA_CLIENT_SECRET }
          : null,
      graphBaseUrl: env.GRAPH_BASE_URL,
      teamsAdminBaseUrl: env.TEAMS_ADMIN_BASE_URL,
    },
    /**
     * Who of a tenant whose service grants its admins access may sign in with Microsoft as customer admin:
     * holders of these directory roles (the ID token's `wids`), or members of this group (its `groups` claim).
     */
    entraAdmins: { roleIds: env.ENTRA_ADMIN_ROLE_IDS, groupId: env.ENTRA_ADMIN_GROUP_ID ?? null },
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
    invitations: { ttlDays: env.INVITATION_TTL_DAYS },
    banner: env.UI_BANNER_TEXT ? { text: env.UI_BANNER_TEXT, links: env.UI_BANNER_LINKS } : null,
    /**
     * The SBC entry created at start while the inventory is empty (`SBC_DEFAULT_URL` set; the addresses and
     * carrier FQDN fall back to the routing settings' SBC addresses and the SBC base domain).
     */
    sbc: {
      initial: env.SBC_DEFAULT_URL
        ? {
            kind: env.SBC_DEFAULT_KIND,
            name: env.SBC_DEFAULT_NAME ?? null,
            managementUrl: env.SBC_DEFAULT_URL,
            username: env.SBC_DEFAULT_USERNAME ?? null,
            password: env.SBC_DEFAULT_PASSWORD ?? null,
            carrierFqdn: env.SBC_DEFAULT_CARRIER_FQDN?.toLowerCase() ?? null,
            addresses: env.SBC_DEFAULT_ADDRESSES,
          }
        : null,
    },
    routing: {
      armBaseUrl: env.AZURE_ARM_BASE_URL,
      /** First wait between attempts of a waiting step; it doubles up to an hour. */
      retryBaseSeconds: env.ROUTING_RETRY_BASE_SECONDS,
      /** PowerShell 7 for the PowerShell executor (MicrosoftTeams module installed). */
      pwshPath: env.PWSH_PATH ?? null,
      /** The environment pwsh runs with: where programs and PowerShell modules are, nothing else. */
      pwshEnv: Object.fromEntries(
        Object.entries({ PATH: env.PATH, HOME: env.HOME, PSModulePath: env.PSModulePath }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      ),
      /** A worker's hold on a run, renewed while it works; a crashed worker's run is free again after it. */
      leaseSeconds: env.ROUTING_LEASE_SECONDS,
      /** How often each worker looks for runs nobody works on (a crashed worker, a lost job). */
      sweepSeconds: env.ROUTING_SWEEP_SECONDS,
      /** Initial routing settings until a provider admin saves them (e.g. the sandbox's DNS emulator). */
      initial: {
        sbcAddresses: env.SBC_ADDRESSES,
        rfc2136:
          env.DNS_RFC2136_SERVER && env.DNS_TSIG_KEY_NAME && env.DNS_TSIG_SECRET
            ? { server: env.DNS_RFC2136_SERVER, keyName: env.DNS_TSIG_KEY_NAME, secret: env.DNS_TSIG_SECRET }
            : null,
      },
    },
    /** The per-service health check (`health/`). */
    health: {
      /** Recursive resolvers for the DNS check (public-style resolution); empty: the system's resolvers. */
      resolvers: env.HEALTH_DNS_RESOLVERS,
      /** The SBCs' SIP/TLS port for the certificate and SIP OPTIONS checks. */
      sipPort: env.HEALTH_SIP_PORT,
      /** Per probe (DNS, TLS handshake, SIP answer). */
      timeoutMs: env.HEALTH_TIMEOUT_MS,
      /** Scheduled checks of all services are spread over this many seconds. */
      spreadSeconds: env.HEALTH_SPREAD_SECONDS,
      /** A PEM file of CA certificates trusted besides the system's roots when judging SBC certificates. */
      caFile: env.HEALTH_TLS_CA_FILE ?? null,
    },
    /** QoE ingest (`qoe/`). */
    qoe: {
      /** Calls, streams and Direct Routing rows are kept this many days. */
      retentionDays: env.QOE_RETENTION_DAYS,
      /** Where Microsoft Graph posts call-record notifications (public, https in production); default PUBLIC_URL. */
      webhookBaseUrl: env.QOE_WEBHOOK_BASE_URL ?? env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
    },
  }));

export type Config = z.output<typeof EnvSchema>;
export type DatabaseConfig = Config['database'];

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment. Throws ConfigError naming every bad variable and its rule. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const raw = env[name];
    const shown = raw === undefined ? '' : ` (got ${JSON.stringify(isSecretName(name) ? '***' : raw)})`;
    return `${name} ${issue.message}${shown}`;
  });
  throw new ConfigError(problems);
}

/**
 * The configuration for a command's entry point (the server, the CLI scripts): an invalid one ends the process with
 * the problems, a pointer to README's configuration table, and exit code 78 (EX_CONFIG).
 */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\nSee the configuration table in README.md.\n`);
    process.exit(78);
  }
}

const isSecretName = (name: string) => /KEY|PASSWORD|SECRET|TOKEN|DATABASE_URL|SMTP_URL/i.test(name);
