import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir, waitFor, WaitAborted } from './support.ts';

/**
 * A throwaway BIND 9 primary server for the system tier: one zone on 127.0.0.1 (UDP and TCP, a free port),
 * updatable by one TSIG key through `update-policy`, in a temporary directory that `stop()` removes.
 */

const NAMED = '/usr/sbin/named';
const execFileAsync = promisify(execFile);

export type Bind9 = {
  port: number;
  /** `127.0.0.1:port`, for the adapter's `server`. */
  address: string;
  zone: string;
  key: { name: string; algorithm: 'hmac-sha256'; secret: string };
  /** What `dig @127.0.0.1 -p PORT +short name type` prints, one value per line; TXT strings joined and unquoted. */
  dig(name: string, type: 'A' | 'AAAA' | 'TXT' | 'SOA'): Promise<string[]>;
  /** The last lines of named's output, for failure messages. */
  tail(lines?: number): string;
  stop(): Promise<void>;
};

/** The path of an executable found in PATH (or the usual system directories), else undefined. */
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

/** Fails (never skips) with what to install when BIND, dig or nsupdate is missing. */
export function requireBindTools(): { named: string; dig: string; nsupdate: string } {
  const missing: string[] = [];
  try {
    accessSync(NAMED, constants.X_OK);
  } catch {
    missing.push(`${NAMED} (Debian package bind9)`);
  }
  const dig = which('dig');
  const nsupdate = which('nsupdate');
  if (!dig) missing.push('dig (Debian package bind9-dnsutils)');
  if (!nsupdate) missing.push('nsupdate (Debian package bind9-dnsutils)');
  if (missing.length || !dig || !nsupdate)
    throw new Error(
      `The BIND 9 system test needs ${missing.join(', ')}. Install them with: bash scripts/system-deps.sh`,
    );
  return { named: NAMED, dig, nsupdate };
}

/** Runs a command with optional stdin; resolves with its exit code and output (never rejects on exit code). */
export function runTool(
  command: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/** Parses dig's presentation of TXT character strings (`"a" "b\"c"`) into the joined text. */
export function unquoteTxt(line: string): string {
  let out = '';
  const strings = line.match(/"((?:[^"\\]|\\.)*)"/g) ?? [];
  for (const quoted of strings) {
    out += quoted
      .slice(1, -1)
      .replace(/\\(\d{3}|.)/g, (_, escaped: string) =>
        /^\d{3}$/.test(escaped) ? String.fromCharCode(Number(escaped)) : escaped,
      );
  }
  return out;
}

const zoneFile = (zone: string) =>
  [
    '$TTL 300',
    `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 604800 300`,
    `@ IN NS ns1.${zone}.`,
    `ns1 IN A 127.0.0.1`,
    '',
  ].join('\n');

const namedConf = (dir: string, port: number, zone: string, key: Bind9['key']) => `
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  notify no;
  dnssec-validation no;
};
controls { };
key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };
zone "${zone}" {
  type primary;
  file "${dir}/${zone}.zone";
  update-policy { grant ${key.name} zonesub ANY; };
};
`;

/**
 * Starts `named -g` (foreground, logging to stderr) on a free port and waits until it answers the zone's SOA.
 * As root, named drops to the `bind` user (`-u bind`) and the directory is handed to it, since named writes the
 * zone journal there; as another user it runs as that user. Retries on another port if the port was taken.
 */
export async function startBind9(options: { zone: string; keyName: string }): Promise<Bind9> {
  const tools = requireBindTools();
  const key = {
    name: options.keyName,
    algorithm: 'hmac-sha256' as const,
    secret: randomBytes(32).toString('base64'),
  };
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = tempDir('trunkline-bind9');
    try {
      return await startOnce({ ...tools, dir, port, zone: options.zone, key });
    } catch (err) {
      dir.remove();
      lastError = err;
      if (!/address in use/i.test(String((err as Error).message))) throw err;
    }
  }
  throw lastError;
}

async function startOnce(o: {
  named: string;
  dig: string;
  nsupdate: string;
  dir: { dir: string; remove(): void };
  port: number;
  zone: string;
  key: Bind9['key'];
}): Promise<Bind9> {
  const { dir } = o.dir;
  writeFileSync(path.join(dir, 'named.conf'), namedConf(dir, o.port, o.zone, o.key));
  writeFileSync(path.join(dir, `${o.zone}.zone`), zoneFile(o.zone));
  const args = ['-g', '-c', path.join(dir, 'named.conf')];
  if (process.getuid?.() === 0) {
    // Do not run a network daemon as root: named drops to `bind` after binding, and writes its journal here.
    const uid = Number(execFileSync('id', ['-u', 'bind']).toString());
    const gid = Number(execFileSync('id', ['-g', 'bind']).toString());
    for (const entry of ['', ...readdirSync(dir)]) chownSync(path.join(dir, entry), uid, gid);
    chmodSync(dir, 0o700);
    args.push('-u', 'bind');
  }

  const output: string[] = [];
  const child: ChildProcess = spawn(o.named, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => output.push(...chunk.split('\n').filter(Boolean)));
  }
  const tail = (lines = 30) =>
    `--- named (pid ${child.pid}, ${exited ? `exited ${exited.code ?? exited.signal}` : 'running'}) ---\n${output.slice(-lines).join('\n')}\n---`;

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
    o.dir.remove();
  };

  const dig = async (name: string, type: string) => {
    const { stdout } = await execFileAsync(o.dig, [
      `@127.0.0.1`,
      '-p',
      String(o.port),
      '+short',
      '+norecurse',
      '+time=2',
      '+tries=1',
      name,
      type,
    ]);
    return stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => (type === 'TXT' ? unquoteTxt(line) : line.trim()));
  };

  try {
    await waitFor(
      `named to answer ${o.zone} SOA on 127.0.0.1:${o.port}`,
      async () => {
        if (exited) throw new WaitAborted(`named exited before it was ready.\n${tail()}`);
        return (await dig(o.zone, 'SOA')).length > 0;
      },
      { timeoutMs: 20_000, intervalMs: 200, context: () => tail() },
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    port: o.port,
    address: `127.0.0.1:${o.port}`,
    zone: o.zone,
    key: o.key,
    dig,
    tail,
    stop,
  };
}
