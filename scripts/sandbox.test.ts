import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLASS, encodeMessage, parseMessage, RCODE, signRequest, toRdata, TYPE } from '@trunkline/dns-wire';
import { loadDefaultSeed } from '@trunkline/emulator-m365';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_SBC_ZONE, startSandbox, type Sandbox } from './sandbox.ts';

/**
 * The launcher's sandbox across a restart of `npm start`: its emulators keep their state in the data directory,
 * so what was created through their real APIs (a Microsoft 365 domain and refresh token, a DNS record, an SBC
 * table row) is there after the restart, and SANDBOX_RESET=1 starts them fresh.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-restart-'));
const running = new Set<Sandbox>();
afterAll(async () => {
  await Promise.all([...running].map((s) => s.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

const BASE = {
  DATA_DIR: dataDir,
  SMTP_URL: 'smtp://127.0.0.1:9', // not started: the mail sink is not under test
  SANDBOX_DNS_PORT: '0',
  SANDBOX_AUDIOCODES_PORT: '0',
  SANDBOX_AUDIOCODES_SIP_PORT: '0',
  SANDBOX_M365_PORT: '0',
  SANDBOX_M365_REPLICATION_SECONDS: '0',
  SANDBOX_M365_ACTIVATION_DELAY_SECONDS: '0',
};
const start = async (env: Record<string, string>) => {
  const s = await startSandbox({ ...BASE, ...env });
  running.add(s);
  return s;
};
const stop = async (s: Sandbox) => {
  await s.stop();
  running.delete(s);
  // Lets fetch's pool see the closed keep-alive connections before an emulator takes the same port again.
  await new Promise((r) => setTimeout(r, 50));
};

const contosoAdmin = loadDefaultSeed()
  .tenants.find((t) => t.name === 'contoso')!
  .users.find((u) => u.roles?.includes('Global Administrator'))!;
const tokenRequest = async (s: Sandbox, params: Record<string, string>) => {
  const res = await fetch(`${s.env.ENTRA_AUTHORITY}/contoso.onmicrosoft.com/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: s.env.ENTRA_CLIENT_ID!,
      client_secret: s.env.ENTRA_CLIENT_SECRET!,
      ...params,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const appToken = async (s: Sandbox) => {
  const r = await tokenRequest(s, {
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
  });
  expect(r.status).toBe(200);
  return r.body.access_token as string;
};
const graph = (s: Sandbox, token: string, p: string, body?: unknown) =>
  fetch(`${s.env.GRAPH_BASE_URL}${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const dnsAdd = (s: Sandbox, name: string, address: string) => {
  const [host, port] = s.env.DNS_RFC2136_SERVER!.split(':');
  const unsigned = encodeMessage({
    id: 0x5151,
    flags: 5 << 11,
    questions: [{ name: SANDBOX_SBC_ZONE, type: TYPE.SOA, klass: CLASS.IN }],
    answers: [],
    authorities: [{ name, type: TYPE.A, klass: CLASS.IN, ttl: 300, rdata: toRdata('A', address) }],
  });
  const key = {
    name: s.env.DNS_TSIG_KEY_NAME!,
    algorithm: 'hmac-sha256' as const,
    secret: s.env.DNS_TSIG_SECRET!,
  };
  const { bytes } = signRequest(unsigned, key, Math.floor(Date.now() / 1000));
  return new Promise<number>((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('message', (buf) => {
      socket.close();
      resolve(parseMessage(buf).flags & 0xf);
    });
    socket.once('error', reject);
    socket.send(bytes, Number(port), host);
  });
};
const dnsA = async (s: Sandbox, name: string) => {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([s.env.DNS_RFC2136_SERVER!]);
  return resolver.resolve4(name).catch((e: NodeJS.ErrnoException) => e.code);
};

const sbcAuth = (s: Sandbox) =>
  `Basic ${Buffer.from(`${s.env.SBC_DEFAULT_USERNAME}:${s.env.SBC_DEFAULT_PASSWORD}`).toString('base64')}`;
const RULE = `[ DialPlanRule ]
FORMAT Index = DialPlanName, RuleIndex, Name, Prefix, Tag;
DialPlanRule 100 = "DP_Teams_Tenant", 100, "woodgrove", "+4930123[1000-1999]", "woodgrove.${SANDBOX_SBC_ZONE}";
[ \\DialPlanRule ]
`;
const sbcIni = async (s: Sandbox) =>
  (
    await fetch(`${s.env.SBC_DEFAULT_URL}/api/v1/files/ini`, { headers: { authorization: sbcAuth(s) } })
  ).text();

describe('the sandbox across a restart of npm start', () => {
  it('keeps what its emulators hold in the data directory; SANDBOX_RESET=1 starts them fresh', async () => {
    const first = await start({});
    expect(first.describe.join('\n')).toContain(path.join(dataDir, 'sandbox'));
    // Microsoft 365: a domain through Graph and a delegated sign-in with a refresh token.
    const access = await appToken(first);
    expect((await graph(first, access, '/domains', { id: 'restart.contoso.com' })).status).toBe(201);
    const signIn = await tokenRequest(first, {
      grant_type: 'password',
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      scope: 'https://graph.microsoft.com/Domain.ReadWrite.All offline_access',
    });
    expect(signIn.status).toBe(200);
    // DNS: a record through a signed RFC 2136 UPDATE.
    expect(await dnsAdd(first, `woodgrove.${SANDBOX_SBC_ZONE}`, '203.0.113.44')).toBe(RCODE.NOERROR);
    // SBC: a dial-plan rule through the REST API.
    const form = new FormData();
    form.set('file', new Blob([RULE]), 'trunkline.ini');
    const uploaded = await fetch(`${first.env.SBC_DEFAULT_URL}/api/v1/files/ini/incremental`, {
      method: 'PUT',
      body: form,
      headers: { authorization: sbcAuth(first) },
    });
    expect(uploaded.status).toBe(200);
    const m365Port = new URL(first.env.ENTRA_AUTHORITY!).port;
    await stop(first);

    // Same data directory, same Microsoft 365 address (as npm start's fixed ports give).
    const second = await start({ SANDBOX_M365_PORT: m365Port });
    expect(second.env.ENTRA_AUTHORITY).toBe(first.env.ENTRA_AUTHORITY);
    expect((await graph(second, access, '/domains/restart.contoso.com')).status).toBe(200);
    const refreshed = await tokenRequest(second, {
      grant_type: 'refresh_token',
      refresh_token: signIn.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    expect(await dnsA(second, `woodgrove.${SANDBOX_SBC_ZONE}`)).toEqual(['203.0.113.44']);
    expect(await sbcIni(second)).toContain('"+4930123[1000-1999]"');
    await stop(second);

    const fresh = await start({ SANDBOX_RESET: '1' });
    expect((await graph(fresh, await appToken(fresh), '/domains/restart.contoso.com')).status).toBe(404);
    expect(await dnsA(fresh, `woodgrove.${SANDBOX_SBC_ZONE}`)).toBe('ENOTFOUND');
    expect(await sbcIni(fresh)).not.toContain('+4930123[1000-1999]');
    await stop(fresh);
  });
});
