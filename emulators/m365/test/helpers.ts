import { loadDefaultSeed } from '../src/index.ts';
import type { M365Emulator } from '../src/index.ts';

const seed = loadDefaultSeed();
const app = seed.apps[0]!;
const tenant = (name: string) => seed.tenants.find((t) => t.name === name)!;

export const CLIENT_ID = app.appId;
export const CLIENT_SECRET = app.clientSecrets[0]!;
export const PUBLIC_CLIENT_ID = seed.apps[1]!.appId;
export const CONTOSO = tenant('contoso');
export const FABRIKAM = tenant('fabrikam');
export const NORTHWIND = tenant('northwind');
export const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
export const TEAMS_DEFAULT = '48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default';
export const TEAMS_ADMIN_ROLE = '69091246-20e8-4a56-aa4d-066075b2a7a8';
export const CALLBACK = 'http://127.0.0.1:43123/callback';

export const admin = (t: typeof CONTOSO) => t.users.find((u) => u.roles?.includes('Global Administrator'))!;

export const postForm = (url: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body: new URLSearchParams(params), headers, redirect: 'manual' });

export const token = async (emu: M365Emulator, tenantSeg: string, params: Record<string, string>) => {
  const res = await postForm(`${emu.url}/${tenantSeg}/oauth2/v2.0/token`, params);
  return { status: res.status, body: (await res.json()) as any };
};

export const appToken = async (
  emu: M365Emulator,
  tenantId: string,
  scope = GRAPH_DEFAULT,
  clientId = CLIENT_ID,
  secret = CLIENT_SECRET,
) => {
  const r = await token(emu, tenantId, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
    scope,
  });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.access_token as string;
};

export const userToken = async (
  emu: M365Emulator,
  tenantId: string,
  username: string,
  password: string,
  scope: string,
) => {
  const r = await token(emu, tenantId, {
    grant_type: 'password',
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    username,
    password,
    scope,
  });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.access_token as string;
};

export const graph = async (
  emu: M365Emulator,
  accessToken: string | null,
  path: string,
  init: { method?: string; body?: unknown } = {},
) => {
  const res = await fetch(`${emu.urls.graph}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      'content-type': 'application/json',
      'client-request-id': 'test-client-request',
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as any };
};

/** Submits the emulator's sign-in form for a page URL (authorize / admin consent), as a browser would. */
export const submitPage = async (pageUrl: string, fields: Record<string, string>) => {
  const u = new URL(pageUrl);
  const page = await fetch(u);
  if (page.status !== 200) throw new Error(`page ${page.status}: ${await page.text()}`);
  const res = await postForm(`${u.origin}${u.pathname}`, {
    ...Object.fromEntries(u.searchParams),
    ...fields,
  });
  return {
    status: res.status,
    location: res.headers.get('location'),
    html: await res.text(),
    pageHtml: await page.text(),
  };
};

export const b64json = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;

/** Matches Microsoft's identity error body: error, AADSTS description, error_codes, timestamp, trace and correlation ids. */
export const expectAadError = (body: any, error: string, code: number) => {
  const ok =
    body.error === error &&
    typeof body.error_description === 'string' &&
    body.error_description.startsWith(`AADSTS${code}:`) &&
    Array.isArray(body.error_codes) &&
    body.error_codes[0] === code &&
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/.test(body.timestamp) &&
    typeof body.trace_id === 'string' &&
    typeof body.correlation_id === 'string';
  if (!ok) throw new Error(`expected ${error}/AADSTS${code}, got ${JSON.stringify(body)}`);
};
