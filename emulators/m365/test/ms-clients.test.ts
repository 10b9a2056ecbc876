import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import { CLIENT_ID, CLIENT_SECRET, CONTOSO, FABRIKAM } from './helpers.ts';

/**
 * Microsoft's own client libraries as a check of the emulator (issue #12 item 5): `@azure/msal-node` (authority on
 * a TLS endpoint, `knownAuthorities`) and `@microsoft/microsoft-graph-client` (`customHosts`) drive it, and
 * whatever they cannot parse is an emulator bug. MSAL accepts only https authorities, so the emulator sits behind a
 * TLS proxy whose certificate comes from a CA made here with openssl; the clients run in a child process that
 * trusts that CA through NODE_EXTRA_CA_CERTS (`ms-clients/drive.ts`).
 */

let emu: M365Emulator;
let proxy: Server;
let dir: string;
let report: Record<string, { ok: boolean; value?: any; error?: any }>;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A CA, and a certificate for localhost / 127.0.0.1 signed by it (`-subj` everywhere, so openssl never prompts). */
const makeCertificates = () => {
  const days = ['-days', '1'];
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    ...days,
    '-subj',
    '/CN=Trunkline emulator test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(
    join(dir, 'leaf.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    ...days,
    '-extfile',
    'leaf.ext',
  );
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm365-ms-clients-'));
  makeCertificates();

  // The TLS front first (its port is the emulator's public address), forwarding to the emulator's plain port.
  let target = '';
  proxy = createServer(
    { key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem')) },
    (req, res) => {
      const url = new URL(req.url ?? '/', target);
      const out = httpRequest(
        url,
        { method: req.method, headers: { ...req.headers, host: url.host } },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    },
  );
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as { port: number }).port;
  const base = `https://localhost:${port}`;
  // The emulator listens on a port of its own, which `emu.url` (its public address) does not name.
  const emuPort = await freePort();
  emu = await startM365Emulator({ port: emuPort, publicUrl: base, dnsResolver: async () => [] });
  target = `http://127.0.0.1:${emuPort}`;
  emu.control.consent('contoso');
  emu.control.consent('fabrikam');

  const mfa = FABRIKAM.users.find((u) => u.mfaCode)!;
  const script = fileURLToPath(new URL('./ms-clients/drive.ts', import.meta.url));
  report = await new Promise((resolve, reject) => {
    const input = {
      M365_BASE: base,
      TENANT_ID: CONTOSO.id,
      FABRIKAM_ID: FABRIKAM.id,
      CLIENT_ID,
      CLIENT_SECRET,
      MFA_USER: mfa.userPrincipalName,
      MFA_PASSWORD: mfa.password,
    };
    // Only the CA in the environment: Node reads NODE_EXTRA_CA_CERTS at start; the rest is one JSON argument.
    const child = spawn(process.execPath, [script, JSON.stringify(input)], {
      env: { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`drive.ts exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}, 60_000);

afterAll(async () => {
  await emu?.stop();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ok = (name: string) => {
  const r = report[name]!;
  expect(r, `${name}: ${JSON.stringify(r)}`).toMatchObject({ ok: true });
  return r.value;
};
const failed = (name: string) => {
  const r = report[name]!;
  expect(r, `${name}: ${JSON.stringify(r)}`).toMatchObject({ ok: false });
  return r.error;
};

describe("Microsoft's client libraries against the emulator", () => {
  it('msal-node gets app-only tokens for Graph and the Teams admin API from a known authority', () => {
    expect(ok('graphToken').tokenType).toBe('Bearer');
    expect(ok('graphToken').expiresOn).toEqual(expect.any(String));
    expect(ok('teamsToken').tokenType).toBe('Bearer');
  });

  it('msal-node parses Entra errors: the AADSTS code and message, and the claims challenge of Conditional Access', () => {
    expect(failed('wrongSecret')).toMatchObject({ class: 'ServerError', errorCode: 'invalid_client' });
    // MSAL rebuilds its message from error_codes, timestamp, error_description, correlation_id and trace_id.
    expect(failed('wrongSecret').errorMessage).toMatch(
      /^Error\(s\): 7000215 - Timestamp: .+ - Description: AADSTS7000215: .+ - Correlation ID: [0-9a-f-]{36} - Trace ID: [0-9a-f-]{36}$/s,
    );
    const mfa = failed('mfaUser');
    expect(mfa).toMatchObject({ class: 'InteractionRequiredAuthError', errorCode: 'interaction_required' });
    expect(mfa.subError).toBe('basic_action');
    expect(JSON.parse(mfa.claims).access_token.capolids.essential).toBe(true);
  });

  it('the Graph client reads collections, $select, $count and paging through customHosts', () => {
    expect(ok('organization')).toMatchObject({ id: CONTOSO.id });
    expect(ok('select').keys).toEqual(['id', 'userPrincipalName']);
    expect(ok('select').context).toMatch(/\$metadata#users\(id,userPrincipalName\)$/);
    expect(ok('count')).toEqual({ count: CONTOSO.users.length, length: CONTOSO.users.length });
    expect(ok('paging')).toEqual({ hadNextLink: true, seen: CONTOSO.users.length });
  });

  it('the Graph client parses error envelopes into GraphError, and its retry handler honours Retry-After', () => {
    expect(failed('countWithoutHeader')).toMatchObject({
      class: 'GraphError',
      statusCode: 400,
      code: 'Request_BadRequest',
    });
    const notFound = failed('notFound');
    expect(notFound).toMatchObject({
      class: 'GraphError',
      statusCode: 404,
      code: 'Request_ResourceNotFound',
    });
    expect(notFound.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(notFound.date).toEqual(expect.any(String));
    expect(ok('throttledThenRetried')).toBe(1);
    expect(failed('throttled')).toMatchObject({
      class: 'GraphError',
      statusCode: 429,
      code: 'TooManyRequests',
      retryAfter: '1',
    });
  });
});
