import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ensureSbcPki, startAudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { startDnsEmulator } from '@trunkline/emulator-dns';
import { loadDefaultSeed, startM365Emulator } from '@trunkline/emulator-m365';
import { startSmtpSink } from '@trunkline/emulator-smtp';

/**
 * Starts the real server for the browser suite and returns its teardown. Database: a fresh database on
 * the PostgreSQL server of TEST_DATABASE_URL when set (the system tier), else PGlite in a fresh DATA_DIR.
 * The server's output goes to e2e/test-results/server.log. Sets E2E_BASE_URL, E2E_ADMIN_EMAIL and
 * E2E_ADMIN_PASSWORD for the tests.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN = { email: 'admin@e2e.test', password: 'playwright admin password' };
const READY_TIMEOUT_MS = 60_000;

export default async function globalSetup(): Promise<() => Promise<void>> {
  const webDist = path.join(repoRoot, 'apps/web/dist');
  if (!existsSync(path.join(webDist, 'index.html'))) {
    throw new Error(
      `The web app is not built (${webDist}/index.html is missing). Run: npm run build -w @trunkline/web`,
    );
  }

  // The outside services, emulated as the sandbox does: a mail sink and Microsoft 365 (contoso consented).
  const sink = await startSmtpSink();
  // The provider's DNS for the default SBC zone, with a TSIG key; Microsoft verifies domains through it.
  const tsigSecret = randomBytes(32).toString('base64');
  const dns = await startDnsEmulator({
    port: 0,
    zones: [{ name: 'sbc.trunkline.example' }],
    keys: [{ name: 'trunkline-e2e', algorithm: 'hmac-sha256', secret: tsigSecret }],
  });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-e2e-'));
  // The provider's SBC: the AudioCodes Mediant emulator, the server's default SBC (as in the sandbox), with its
  // SIP/TLS listener on loopback presenting a certificate for *.sbc.trunkline.example from a CA made here; the SBC's
  // address is 127.0.0.1, so the health check's DNS, certificate and SIP OPTIONS checks meet it.
  const pki = ensureSbcPki(path.join(dataDir, 'sbc-pki'), [
    '*.sbc.trunkline.example',
    'sbc.trunkline.example',
  ]);
  const sbcPassword = randomBytes(12).toString('base64url');
  const sbc = await startAudioCodesEmulator({
    users: [{ username: 'trunkline', password: sbcPassword, privilege: 'admin' }],
    sip: { cert: pki.cert, key: pki.key, contactFqdn: 'sbc.trunkline.example' },
  });
  // Microsoft's pace as in the sandbox (scripts/sandbox.ts, SANDBOX_M365_PACE): new directory objects and a freshly
  // consented app replicate for 3 s, a newly activated domain is refused as a gateway for 30 s. A spec that needs
  // another pace sets it through the emulator's /_control (and sets it back).
  const m365 = await startM365Emulator({
    dnsServers: [dns.address],
    replication: 3,
    teamsActivationDelaySeconds: 30,
  });
  m365.control.consent('contoso');
  const app = loadDefaultSeed().apps[0]!;

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const database = await freshDatabase();

  const logDir = path.join(repoRoot, 'e2e/test-results');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'server.log');
  const log = createWriteStream(logFile);

  const nodeBin = existsSync(path.join(repoRoot, 'node_modules/.bin/node'))
    ? path.join(repoRoot, 'node_modules/.bin/node')
    : process.execPath;
  const server = spawn(nodeBin, ['apps/server/src/main.ts', 'all'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseUrl,
      DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : {}),
      TRUNKLINE_ADMIN_EMAIL: ADMIN.email,
      TRUNKLINE_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'info',
      WEB_DIST_DIR: webDist,
      SMTP_URL: `smtp://127.0.0.1:${sink.smtpPort}`,
      ENTRA_AUTHORITY: m365.urls.login,
      ENTRA_CLIENT_ID: app.appId,
      ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
      GRAPH_BASE_URL: m365.urls.graph,
      TEAMS_ADMIN_BASE_URL: m365.urls.teams,
      DNS_RFC2136_SERVER: dns.address,
      DNS_TSIG_KEY_NAME: 'trunkline-e2e',
      DNS_TSIG_SECRET: tsigSecret,
      SBC_ADDRESSES: '198.51.100.10',
      SBC_DEFAULT_NAME: 'E2E Mediant',
      SBC_DEFAULT_URL: sbc.url,
      SBC_DEFAULT_USERNAME: 'trunkline',
      SBC_DEFAULT_PASSWORD: sbcPassword,
      SBC_DEFAULT_ADDRESSES: '127.0.0.1',
      HEALTH_DNS_RESOLVERS: dns.address,
      HEALTH_SIP_PORT: String(sbc.sip!.port),
      HEALTH_TLS_CA_FILE: pki.caFile,
      ROUTING_RETRY_BASE_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.pipe(log, { end: false });
  server.stderr.pipe(log, { end: false });
  let exited: { code: number | null; signal: string | null } | null = null;
  const exitedPromise = new Promise<void>((resolve) =>
    server.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );

  const teardown = async () => {
    if (!exited) {
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    log.end();
    await sink.stop();
    await m365.stop();
    await dns.stop();
    await sbc.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };

  const serverLog = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await teardown();
      throw new Error(
        `The server exited before it was ready (${JSON.stringify(exited)}). Last lines of ${logFile}:\n${serverLog()}`,
      );
    }
    const status = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      await teardown();
      throw new Error(
        `The server did not answer 200 on ${baseUrl}/readyz within ${READY_TIMEOUT_MS} ms. Last lines of ${logFile}:\n${serverLog()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_ADMIN_EMAIL = ADMIN.email;
  process.env.E2E_ADMIN_PASSWORD = ADMIN.password;
  process.env.E2E_INBOX_URL = sink.httpUrl;
  process.env.E2E_M365_URL = m365.url;
  process.env.E2E_DNS_ADDRESS = dns.address;
  process.env.E2E_SBC_URL = sbc.url;
  process.env.E2E_SBC_CONTROL_URL = sbc.controlUrl;
  process.stdout.write(
    `[e2e] server ready at ${baseUrl} (${database ? `PostgreSQL database ${database.name}` : 'PGlite'}), log: ${logFile}\n`,
  );
  return teardown;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(address.port));
    });
  });
}

async function freshDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> } | null> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return null;
  const name = `tl_e2e_${randomBytes(5).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
