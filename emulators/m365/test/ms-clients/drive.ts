/**
 * Drives the emulator with Microsoft's own client libraries, in a process of its own so that Node trusts the test
 * CA (`NODE_EXTRA_CA_CERTS` is read at start). Run by `../ms-clients.test.ts`; prints one JSON report on stdout.
 * Input (one JSON argument): M365_BASE (the emulator's https address), TENANT_ID, FABRIKAM_ID, CLIENT_ID, CLIENT_SECRET,
 * MFA_USER, MFA_PASSWORD.
 */
import { ConfidentialClientApplication, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import graphClient from '@microsoft/microsoft-graph-client';

const { Client, GraphError, PageIterator, RetryHandlerOptions } = graphClient;
const input = JSON.parse(process.argv[2] ?? '{}') as Record<string, string | undefined>;
const env = (name: string) => {
  const v = input[name];
  if (!v) throw new Error(`${name} is missing from the input`);
  return v;
};
const base = env('M365_BASE');
const host = new URL(base).host;
const report: Record<string, unknown> = {};

const app = (tenant: string, secret = env('CLIENT_SECRET')) =>
  new ConfidentialClientApplication({
    auth: {
      clientId: env('CLIENT_ID'),
      clientSecret: secret,
      authority: `${base}/${tenant}`,
      knownAuthorities: [host],
    },
  });

const errorOf = (e: unknown) => ({
  class:
    e instanceof InteractionRequiredAuthError
      ? 'InteractionRequiredAuthError'
      : e instanceof ServerError
        ? 'ServerError'
        : e instanceof GraphError
          ? 'GraphError'
          : e instanceof Error
            ? e.constructor.name
            : typeof e,
  ...(e && typeof e === 'object'
    ? Object.fromEntries(
        [
          'errorCode',
          'errorMessage',
          'subError',
          'claims',
          'correlationId',
          'statusCode',
          'code',
          'requestId',
          'message',
        ]
          .filter((k) => k in e && typeof (e as Record<string, unknown>)[k] !== 'function')
          .map((k) => [k, (e as Record<string, unknown>)[k]]),
      )
    : {}),
  ...(e instanceof GraphError
    ? {
        date: e.date instanceof Date ? e.date.toISOString() : null,
        retryAfter: e.headers?.get('retry-after'),
      }
    : {}),
});
const attempt = async (name: string, f: () => Promise<unknown>) => {
  try {
    report[name] = { ok: true, value: await f() };
  } catch (e) {
    report[name] = { ok: false, error: errorOf(e) };
  }
};

const tenant = env('TENANT_ID');
let graphToken = '';
await attempt('graphToken', async () => {
  const r = (await app(tenant).acquireTokenByClientCredential({
    scopes: ['https://graph.microsoft.com/.default'],
  }))!;
  graphToken = r.accessToken;
  return { tokenType: r.tokenType, tenantId: r.tenantId, expiresOn: r.expiresOn?.toISOString() ?? null };
});
await attempt('teamsToken', async () => {
  const r = (await app(tenant).acquireTokenByClientCredential({
    scopes: ['48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default'],
  }))!;
  return { tokenType: r.tokenType, scopes: r.scopes };
});
await attempt('wrongSecret', () =>
  app(tenant, 'not-the-secret').acquireTokenByClientCredential({
    scopes: ['https://graph.microsoft.com/.default'],
  }),
);
await attempt('mfaUser', () =>
  app(env('FABRIKAM_ID')).acquireTokenByUsernamePassword({
    scopes: ['https://graph.microsoft.com/.default'],
    username: env('MFA_USER'),
    password: env('MFA_PASSWORD'),
  }),
);

const client = Client.init({
  authProvider: (done) => done(null, graphToken),
  baseUrl: `${base}/graph/`,
  defaultVersion: 'v1.0',
  customHosts: new Set([new URL(base).hostname]),
});
await attempt('organization', async () => {
  const r = await client.api('/organization').get();
  return { context: r['@odata.context'], id: r.value[0].id, domains: r.value[0].verifiedDomains.length };
});
await attempt('select', async () => {
  const r = await client.api('/users').select(['id', 'userPrincipalName']).get();
  return { context: r['@odata.context'], keys: Object.keys(r.value[0]) };
});
await attempt('count', async () => {
  const r = await client.api('/users').count(true).header('ConsistencyLevel', 'eventual').get();
  return { count: r['@odata.count'], length: r.value.length };
});
await attempt('countWithoutHeader', () => client.api('/users').count(true).get());
await attempt('paging', async () => {
  const first = await client.api('/users').top(1).get();
  const seen: string[] = [];
  await new PageIterator(client, first, (u: { userPrincipalName: string }) => {
    seen.push(u.userPrincipalName);
    return true;
  }).iterate();
  return { hadNextLink: typeof first['@odata.nextLink'] === 'string', seen: seen.length };
});
await attempt('notFound', () => client.api('/domains/nope.example').get());
const throttle = (count: number) =>
  fetch(`${base}/_control/throttle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count, retryAfterSeconds: 1, surfaces: ['graph'] }),
  });
await throttle(1);
await attempt('throttledThenRetried', async () => (await client.api('/organization').get()).value.length);
await throttle(1);
await attempt('throttled', () =>
  client
    .api('/organization')
    .middlewareOptions([new RetryHandlerOptions(0, 0)])
    .get(),
);

process.stdout.write(JSON.stringify(report));
