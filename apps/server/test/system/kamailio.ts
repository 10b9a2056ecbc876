import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { freePort, repoRoot, tempDir, waitFor, WaitAborted } from './support.ts';

/**
 * The Kamailio SBC for the system tier: the shipped `deploy/kamailio/` configuration, started as a child process
 * in a temporary directory with a test-local `kamailio-local.cfg` (loopback ports, Microsoft's proxies and
 * subnets on loopback), a test CA and a wildcard certificate made with the openssl CLI, and sipp playing the
 * PSTN carrier and Microsoft. Debian's sipp has no TLS transport, so Microsoft's side is sipp over TCP behind a
 * TLS relay written here (`tlsTerminator`, `tlsOriginator`); the relays keep a copy of every byte Kamailio sent
 * through them, which is exactly what sipp received.
 */

const KAMAILIO = '/usr/sbin/kamailio';
const TLS_MODULE = '/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so';
const execFileAsync = promisify(execFile);

function which(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin', '/bin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Fails (never skips) with what to install when Kamailio, its TLS module, sipp or openssl is missing. */
export function requireSipTools(): { kamailio: string; sipp: string; openssl: string } {
  const missing: string[] = [];
  const exists = (file: string) => {
    try {
      accessSync(file, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (!exists(KAMAILIO)) missing.push(`${KAMAILIO} (Debian package kamailio)`);
  if (!exists(TLS_MODULE)) missing.push(`${TLS_MODULE} (Debian package kamailio-tls-modules)`);
  const sipp = which('sipp');
  const openssl = which('openssl');
  if (!sipp) missing.push('sipp (Debian package sip-tester)');
  if (!openssl) missing.push('openssl (Debian package openssl)');
  if (missing.length || !sipp || !openssl)
    throw new Error(
      `The Kamailio SIP system test needs ${missing.join(', ')}. Install them with: bash scripts/system-deps.sh`,
    );
  return { kamailio: KAMAILIO, sipp, openssl };
}

export type TestPki = { caCert: string; cert: string; key: string; caPem: string };

/** A throwaway CA and a certificate for `*.<base>` and `<base>` (server and client authentication). */
export async function makeTestPki(dir: string, openssl: string, base: string): Promise<TestPki> {
  const file = (name: string) => path.join(dir, name);
  const run = (args: string[]) => execFileAsync(openssl, args, { cwd: dir });
  await run([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Trunkline test CA',
    '-keyout', file('ca.key'), '-out', file('ca.crt'),
  ]); // prettier-ignore
  await run([
    'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=*.${base}`,
    '-keyout', file('sbc.key'), '-out', file('sbc.csr'),
  ]); // prettier-ignore
  writeFileSync(
    file('sbc.ext'),
    `subjectAltName=DNS:*.${base},DNS:${base}\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  await run([
    'x509', '-req', '-in', file('sbc.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-days', '2', '-extfile', file('sbc.ext'), '-out', file('sbc.crt'),
  ]); // prettier-ignore
  return {
    caCert: file('ca.crt'),
    cert: file('sbc.crt'),
    key: file('sbc.key'),
    caPem: readFileSync(file('ca.crt'), 'utf8'),
  };
}

/** A TLS or TCP relay that records what passed through it, as text. */
export type Relay = {
  port: number;
  /** Everything written toward sipp (what Kamailio sent). */
  toSipp(): string;
  /** Everything written toward Kamailio (what sipp sent). */
  toKamailio(): string;
  close(): Promise<void>;
};

const closeServer = (server: net.Server, sockets: Set<net.Socket>) =>
  new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });

/** Microsoft's TLS side for Kamailio's outgoing connections: TLS on `port`, plain TCP to sipp on `target`. */
export async function tlsTerminator(o: {
  cert: string;
  key: string;
  target: number;
  port?: number;
  /** The address it listens on (Microsoft's proxies are inside Microsoft's subnets). */
  host?: string;
}): Promise<Relay> {
  const port = o.port ?? (await freePort());
  const down: string[] = [];
  const up: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: readFileSync(o.cert), key: readFileSync(o.key) }, (client) => {
    const sipp = net.connect(o.target, '127.0.0.1');
    for (const s of [client, sipp]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => down.push(chunk.toString('latin1')));
    sipp.on('data', (chunk: Buffer) => up.push(chunk.toString('latin1')));
    client.pipe(sipp);
    sipp.pipe(client);
    client.on('close', () => sipp.destroy());
    sipp.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, o.host ?? '127.0.0.1', resolve));
  return {
    port,
    toSipp: () => down.join(''),
    toKamailio: () => up.join(''),
    close: () => closeServer(server, sockets),
  };
}

/** Microsoft's calls toward the SBC: plain TCP from sipp on `port`, TLS to Kamailio from `localAddress`. */
export async function tlsOriginator(o: {
  target: number;
  ca: string;
  servername: string;
  localAddress: string;
}): Promise<Relay & { peerNames(): string[] }> {
  const port = await freePort();
  const down: string[] = [];
  const up: string[] = [];
  const names: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sipp) => {
    const kamailio = tls.connect({
      socket: net.connect({ host: '127.0.0.1', port: o.target, localAddress: o.localAddress }),
      ca: o.ca,
      servername: o.servername,
    });
    kamailio.on('secureConnect', () => {
      const cert = kamailio.getPeerCertificate();
      names.push(String(cert.subjectaltname ?? ''));
    });
    for (const s of [sipp, kamailio]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    sipp.on('data', (chunk: Buffer) => up.push(chunk.toString('latin1')));
    kamailio.on('data', (chunk: Buffer) => down.push(chunk.toString('latin1')));
    sipp.pipe(kamailio);
    kamailio.pipe(sipp);
    sipp.on('close', () => kamailio.destroy());
    kamailio.on('close', () => sipp.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    toSipp: () => down.join(''),
    toKamailio: () => up.join(''),
    peerNames: () => [...names],
    close: () => closeServer(server, sockets),
  };
}

/** Sends one SIP request over a new TLS connection (from `localAddress`) and resolves with the first answer. */
export function sipOverTls(o: {
  port: number;
  ca: string;
  servername: string;
  localAddress: string;
  message: string;
}): Promise<SipMessage> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      socket: net.connect({ host: '127.0.0.1', port: o.port, localAddress: o.localAddress }),
      ca: o.ca,
      servername: o.servername,
    });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no SIP answer within 5 s; received: ${received}`));
    }, 5000);
    socket.on('secureConnect', () => socket.write(o.message));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const [first] = sipMessages(received);
      if (first) {
        clearTimeout(timer);
        socket.destroy();
        resolve(first);
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The SIP messages in a captured stream (split on Content-Length), first line and headers parsed. */
export type SipMessage = { startLine: string; headers: [string, string][]; text: string };
export function sipMessages(stream: string): SipMessage[] {
  const messages: SipMessage[] = [];
  let rest = stream;
  for (;;) {
    rest = rest.replace(/^(\r\n)+/, '');
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.slice(0, end);
    const lines = head.split('\r\n');
    const headers = lines.slice(1).map((l): [string, string] => {
      const colon = l.indexOf(':');
      return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()];
    });
    const length = Number(headers.find(([n]) => n === 'content-length' || n === 'l')?.[1] ?? 0);
    const total = end + 4 + length;
    messages.push({ startLine: lines[0] ?? '', headers, text: rest.slice(0, total) });
    rest = rest.slice(total);
  }
  return messages;
}
export const header = (m: SipMessage, name: string) =>
  m.headers.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v);

export type Kamailio = {
  pid: number;
  rpcUrl: string;
  pstnPort: number;
  teamsPort: number;
  /** Is the process that started still the one running (no restart)? */
  alive(): boolean;
  /** Calls a JSON-RPC method directly (for test setup and checks; the product uses the provisioner). */
  rpc(method: string, params?: (string | number)[]): Promise<unknown>;
  tail(lines?: number): string;
  stop(): Promise<void>;
  crash(): Promise<void>;
};

export type KamailioParams = {
  dir: string;
  pki: TestPki;
  baseDomain: string;
  carrierFqdn: string;
  /** Microsoft's SIP proxies as dispatcher URIs (loopback relays in the test). */
  proxies: string[];
  msSubnets: string;
  pstnGateway: string;
  rpcAuth?: { username: string; password: string };
};

/**
 * Starts Kamailio on the shipped configuration: `deploy/kamailio/*.cfg` copied into `dir` with the test's
 * `kamailio-local.cfg` beside it (the shipped file imports it), foreground (`-DD -E`), as the `kamailio` user when
 * the test runs as root. Waits until JSON-RPC answers `core.version`.
 */
export async function startKamailio(p: KamailioParams): Promise<Kamailio> {
  const [pstnPort, teamsPort, rpcPort] = [await freePort(), await freePort(), await freePort()];
  const deployDir = path.join(repoRoot, 'deploy/kamailio');
  for (const file of readdirSync(deployDir).filter((f) => f.endsWith('.cfg') && f !== 'tls.cfg'))
    copyFileSync(path.join(deployDir, file), path.join(p.dir, file));
  // The htables' db_text directory, empty as shipped; kept when Kamailio starts again in the same directory.
  const dbDir = path.join(p.dir, 'db');
  if (!existsSync(dbDir)) cpSync(path.join(deployDir, 'db'), dbDir, { recursive: true });
  writeFileSync(
    path.join(p.dir, 'tls.cfg'),
    [
      '[server:default]',
      'method = TLSv1.2+',
      'verify_certificate = no',
      'require_certificate = no',
      `certificate = ${p.pki.cert}`,
      `private_key = ${p.pki.key}`,
      '',
      '[client:default]',
      'method = TLSv1.2+',
      `ca_list = ${p.pki.caCert}`,
      'verify_certificate = yes',
      'require_certificate = yes',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(p.dir, 'dispatcher.list'),
    p.proxies.map((uri, i) => `1 ${uri} 0 ${i + 1}`).join('\n') + '\n',
  );
  const auth = p.rpcAuth
    ? `Basic ${Buffer.from(`${p.rpcAuth.username}:${p.rpcAuth.password}`).toString('base64')}`
    : '';
  const params: Record<string, string> = {
    TL_PSTN_IP: '127.0.0.1',
    TL_PSTN_PORT: String(pstnPort),
    TL_PSTN_GATEWAY: p.pstnGateway,
    TL_PSTN_SOURCES: '198.51.100.0/24,127.0.0.1/32',
    TL_TEAMS_IP: '127.0.0.1',
    TL_TEAMS_PORT: String(teamsPort),
    TL_MS_SUBNETS: p.msSubnets,
    TL_CARRIER_FQDN: p.carrierFqdn,
    TL_BASE_DOMAIN: p.baseDomain,
    TL_DISPATCHER_LIST: path.join(p.dir, 'dispatcher.list'),
    TL_PING_INTERVAL: '1',
    TL_TLS_CONFIG: path.join(p.dir, 'tls.cfg'),
    TL_RPC_IP: '127.0.0.1',
    TL_RPC_PORT: String(rpcPort),
    TL_RPC_CLIENTS: '127.0.0.1/32',
    TL_RPC_AUTH: auth,
    TL_HTABLE_DB_URL: `text://${dbDir}`,
  };
  writeFileSync(
    path.join(p.dir, 'kamailio-local.cfg'),
    Object.entries(params)
      .map(([name, value]) => `#!substdef "!${name}!${value}!g"`)
      .join('\n') + '\n',
  );
  const pidFile = path.join(p.dir, 'kamailio.pid');
  const args = [
    '-f', path.join(p.dir, 'kamailio.cfg'), '-DD', '-E', '-m', '64', '-M', '8',
    '-P', pidFile, '-Y', p.dir,
  ]; // prettier-ignore
  if (process.getuid?.() === 0) {
    // Never a network daemon as root: Kamailio drops to its package's user after binding.
    // It reads its files and writes the db_text tables and its runtime files here.
    chmodSync(p.dir, 0o777);
    chmodSync(dbDir, 0o777);
    for (const entry of readdirSync(p.dir)) {
      if (entry !== 'db') chmodSync(path.join(p.dir, entry), 0o644);
    }
    for (const entry of readdirSync(dbDir)) chmodSync(path.join(dbDir, entry), 0o666);
    args.push('-u', 'kamailio', '-g', 'kamailio');
  }

  const output: string[] = [];
  // Its own process group, so that `crash()` can kill the main process and its children at once.
  const child: ChildProcess = spawn(KAMAILIO, args, {
    cwd: p.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output.push(...chunk.split('\n').filter(Boolean));
      if (output.length > 2000) output.splice(0, output.length - 2000);
    });
  }
  const tail = (lines = 40) =>
    `--- kamailio (pid ${child.pid}, ${exited ? `exited ${exited.code ?? exited.signal}` : 'running'}) ---\n${output.slice(-lines).join('\n')}\n---`;

  const rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
  const rpc = async (method: string, params: (string | number)[] = []) => {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
  };
  /**
   * Kills the main process and its children at once (SIGKILL), as a crash or power loss would: none of them runs
   * another instruction, so nothing is saved at shutdown. (Their zombies are the init process's to reap.)
   */
  const crash = async () => {
    killGroup('SIGKILL');
    await exit;
  };

  try {
    await waitFor(
      `Kamailio to answer JSON-RPC on ${rpcUrl}`,
      async () => {
        if (exited) throw new WaitAborted(`Kamailio exited before it was ready.\n${tail()}`);
        return typeof (await rpc('core.version')) === 'string';
      },
      { timeoutMs: 20_000, intervalMs: 200, context: () => tail() },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const pid = child.pid ?? 0;
  return {
    pid,
    rpcUrl,
    pstnPort,
    teamsPort,
    alive: () => !exited && Number(readFileSync(pidFile, 'utf8').trim()) === pid,
    rpc,
    tail,
    stop,
    crash,
  };
}

export type SippRun = { code: number; output: string; messages: string };

/** Runs one sipp scenario to its end (`-m calls`) and resolves with its exit code and message trace. */
export async function runSipp(o: {
  sipp: string;
  dir: string;
  name: string;
  scenario: string;
  remote: string;
  transport: 'u1' | 't1';
  service?: string;
  calls?: number;
  timeoutSeconds?: number;
}): Promise<SippRun> {
  const file = path.join(o.dir, `${o.name}.xml`);
  const trace = path.join(o.dir, `${o.name}.messages.log`);
  writeFileSync(file, o.scenario);
  const port = await freePort();
  const args = [
    o.remote, '-sf', file, '-t', o.transport, '-i', '127.0.0.1', '-p', String(port),
    '-m', String(o.calls ?? 1), '-nostdin', '-timeout', `${o.timeoutSeconds ?? 20}s`, '-timeout_error',
    '-trace_msg', '-message_file', trace,
    ...(o.service ? ['-s', o.service] : []),
  ]; // prettier-ignore
  return new Promise((resolve) => {
    execFile(o.sipp, args, { cwd: o.dir, timeout: 60_000 }, (error, stdout, stderr) => {
      let messages = '';
      try {
        messages = readFileSync(trace, 'utf8');
      } catch {
        // no trace written
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 255) : 0;
      resolve({ code, output: `${stdout}\n${stderr}`.slice(-4000), messages });
    });
  });
}

/** A sipp server (UAS) running until stopped. */
export async function startSippServer(o: {
  sipp: string;
  dir: string;
  name: string;
  scenario: string;
  transport: 'u1' | 't1';
}): Promise<{ port: number; stop(): Promise<void>; messages(): string }> {
  const file = path.join(o.dir, `${o.name}.xml`);
  const trace = path.join(o.dir, `${o.name}.messages.log`);
  writeFileSync(file, o.scenario);
  const port = await freePort();
  const child = spawn(
    o.sipp,
    [
      '-sf', file, '-t', o.transport, '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-aa',
      '-trace_msg', '-message_file', trace,
    ], // prettier-ignore
    { cwd: o.dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  // sipp is ready when its port takes connections (TCP) or is bound (UDP).
  await waitFor(
    `sipp ${o.name} to listen on 127.0.0.1:${port}`,
    async () => {
      if (exited) throw new WaitAborted(`sipp ${o.name} exited at once`);
      if (o.transport === 'u1') {
        // Bound by sipp when we cannot bind it ourselves.
        return new Promise<boolean>((resolve) => {
          const probe = dgram.createSocket('udp4');
          probe.once('error', () => (probe.close(), resolve(true)));
          probe.bind(port, '127.0.0.1', () => (probe.close(), resolve(false)));
        });
      }
      return new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.on('connect', () => (s.destroy(), resolve(true)));
        s.on('error', () => resolve(false));
      });
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  return {
    port,
    messages: () => {
      try {
        return readFileSync(trace, 'utf8');
      } catch {
        return '';
      }
    },
    stop: async () => {
      if (!exited) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

export { tempDir };
