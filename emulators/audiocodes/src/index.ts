import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE_INI } from './base.ts';
import { createDevice, type Row } from './device.ts';
import {
  startSipTlsListener,
  type SipRequestRecord,
  type SipTlsListener,
  type SipTlsOptions,
} from './sip-tls.ts';
import { openStateFile } from '@trunkline/emulator-state';
import { IniError } from '@trunkline/audiocodes-ini';

export type { Row } from './device.ts';
export { BASE_INI } from './base.ts';
export { TABLES } from './schema.ts';
export { createCa, EC_P256_KEY, ensureSbcPki, opensslAvailable, opensslIn, type SbcPki } from './pki.ts';
export { startSipTlsListener, type SipRequestRecord, type SipTlsOptions } from './sip-tls.ts';

export type AudioCodesUser = { username: string; password: string; privilege: 'admin' | 'monitor' };

export type AudioCodesEmulatorOptions = {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Web users; default one admin `Admin` / `Admin` (an AudioCodes factory default). */
  users?: AudioCodesUser[];
  /** The configuration at start and after `reset()`; default the carrier model (`BASE_INI`). */
  baseIni?: string;
  productType?: string;
  versionID?: string;
  /**
   * The SIP-over-TLS listener toward Microsoft (`src/sip-tls.ts`): presents `cert`/`key` and answers OPTIONS with
   * 200 and the carrier FQDN `contactFqdn` in Contact. Absent: the device has no SIP listener.
   */
  sip?: Omit<SipTlsOptions, 'server'>;
  /**
   * A JSON file that keeps the configuration (its full INI, and whether a save is pending) across restarts: read at
   * start if it exists (a bad one is set aside as `<file>.corrupt-<time>`), written after requests that change it
   * (at most every 500 ms) and on stop. The web `users` still come from the options. Default: none (in memory).
   */
  stateFile?: string;
};

export type RequestRecord = { method: string; path: string; status: number; user?: string };

export type AudioCodesControl = {
  /** Every table with its rows, sorted by index (all columns, `''` where unset). */
  tables(): Record<string, Row[]>;
  /** The full INI the device would download. */
  fullIni(): string;
  /** Back to the base configuration, HA sync off, request log emptied, nothing to save. */
  reset(): void;
  /** While active, every write answers 409 (HA synchronization in progress). */
  setHaSync(active: boolean): void;
  /** The next `n` writes answer 409, then the device accepts again. */
  conflictNext(n: number): void;
  /** Deletes a row behind the client's back (drift); true if it existed. */
  forceDelete(table: string, index: number): boolean;
  /** Every request to /api, in order. */
  readonly requests: RequestRecord[];
  /** Every SIP request the SIP/TLS listener received (empty without one). */
  readonly sipRequests: SipRequestRecord[];
  readonly saveNeeded: boolean;
};

export type AudioCodesEmulator = {
  /** Base URL of the device (the REST API is under `${url}/api/v1`). */
  url: string;
  /** Test control API over HTTP, without authentication. */
  controlUrl: string;
  /** The SIP/TLS listener's address (the `sip` option), else null. */
  sip: { host: string; port: number } | null;
  control: AudioCodesControl;
  stop(): Promise<void>;
};

type Reply = { status: number; json?: unknown; text?: string; headers?: Record<string, string> };

const MAX_BODY = 10 * 1024 * 1024;
const WRITES = new Set(['PUT', 'POST', 'DELETE']);

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const error = (status: number, description: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  json: { description, ...extra },
});

export async function startAudioCodesEmulator(
  options: AudioCodesEmulatorOptions = {},
): Promise<AudioCodesEmulator> {
  const users = options.users ?? [{ username: 'Admin', password: 'Admin', privilege: 'admin' }];
  const device = createDevice(options.baseIni ?? BASE_INI);
  const startedAt = Date.now();
  let savedRevision = device.revision;
  const persisted = options.stateFile
    ? openStateFile({
        file: options.stateFile,
        format: 'trunkline-audiocodes-emulator',
        version: 1,
        validate: (s: unknown) => {
          const state = s as { ini?: unknown; saveNeeded?: unknown } | null;
          if (typeof state?.ini !== 'string' || typeof state.saveNeeded !== 'boolean')
            throw new Error('state must be {ini, saveNeeded}');
          createDevice('').load(state.ini); // the device's own checks, on a scratch device
          return { ini: state.ini, saveNeeded: state.saveNeeded };
        },
        snapshot: () => ({ ini: device.fullIni(), saveNeeded: device.revision !== savedRevision }),
      })
    : undefined;
  if (persisted?.loaded) {
    device.load(persisted.loaded.ini);
    savedRevision = persisted.loaded.saveNeeded ? -1 : device.revision;
  }
  persisted?.changed();
  let haSync = false;
  let conflicts = 0;
  const requests: RequestRecord[] = [];
  const sipRequests: SipRequestRecord[] = [];

  const authenticate = (req: IncomingMessage): AudioCodesUser | undefined => {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const [name, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    return users.find((u) => same(u.username, name) && same(u.password, password));
  };

  const status = () => ({
    localTimeStamp: new Date().toISOString(),
    ipAddress: '127.0.0.1',
    subnetMask: '255.0.0.0',
    defaultGateway: '127.0.0.1',
    productType: options.productType ?? 'Mediant VE SBC',
    versionID: options.versionID ?? '7.40A.500.775',
    protocolType: 'SBC',
    operationalState: 'UNLOCKED',
    highAvailability: haSync ? 'Synchronizing' : 'Not Operational',
    serialNumber: '9876543210',
    macAddress: '00908f000001',
    systemUpTime: Math.floor((Date.now() - startedAt) / 1000),
    saveNeeded: device.revision !== savedRevision,
    resetNeeded: false,
    upgradeStatus: 'N/A',
    mcUpgradeStatus: 'N/A',
  });

  /** The `file` part of a multipart/form-data upload, or an error reply. */
  const uploadedFile = async (req: IncomingMessage): Promise<string | Reply> => {
    const type = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data;\s*boundary=/i.test(type))
      return error(400, 'The file must be uploaded as multipart/form-data.');
    let form: FormData;
    try {
      const body = await readBody(req);
      form = await new Request('http://device/', {
        method: 'PUT',
        headers: { 'content-type': type },
        body,
      }).formData();
    } catch {
      return error(400, 'The multipart/form-data body could not be parsed.');
    }
    const file = form.get('file');
    if (file === null) return error(400, 'The form has no part named "file".');
    return typeof file === 'string' ? file : await file.text();
  };

  const busy = (): Reply | undefined => {
    if (haSync) return error(409, 'HA synchronization is in progress. Try again later.');
    if (conflicts > 0) {
      conflicts--;
      return error(409, 'HA synchronization is in progress. Try again later.');
    }
    return undefined;
  };

  const api = async (
    req: IncomingMessage,
    method: string,
    path: string,
    user: AudioCodesUser,
  ): Promise<Reply> => {
    if (WRITES.has(method) && user.privilege !== 'admin')
      return error(403, 'The user privilege level does not allow this request.');
    const p = path.replace(/\/+$/, '') || '/api';
    const route = `${method} ${p}`;
    switch (route) {
      case 'GET /api':
        return { status: 200, json: { versions: ['v1'] } };
      case 'GET /api/v1/status':
        return { status: 200, json: status() };
      case 'GET /api/v1/files/ini':
        return {
          status: 200,
          text: device.fullIni(),
          headers: { 'content-type': 'application/octet-stream' },
        };
      case 'PUT /api/v1/files/ini':
        // A real device resets to load a full INI; the emulator refuses so that a client that tries is caught.
        return error(
          403,
          'Full INI upload refused by the emulator: a real device resets ("Device will reset now to activate new configuration"). Use /api/v1/files/ini/incremental.',
        );
      case 'PUT /api/v1/files/ini/incremental': {
        const file = await uploadedFile(req);
        if (typeof file !== 'string') return file;
        const conflict = busy();
        if (conflict) return conflict;
        try {
          const changed = device.applyIni(file);
          return {
            status: 200,
            json: { description: 'Incremental INI file was loaded.', changedRows: changed },
          };
        } catch (e) {
          if (e instanceof IniError)
            return error(400, 'Incremental INI file was not loaded.', { line: e.line, output: e.message });
          throw e;
        }
      }
      case 'PUT /api/v1/files/cliScript/incremental': {
        const file = await uploadedFile(req);
        if (typeof file !== 'string') return file;
        const conflict = busy();
        if (conflict) return conflict;
        const result = device.runCli(file);
        return {
          status: 200,
          json: { description: 'Incremental CLI Script file was loaded.', output: result.output },
        };
      }
      case 'POST /api/v1/actions/saveConfiguration': {
        const body = await readBody(req);
        if (body.length > 0) return error(400, 'saveConfiguration takes no body (Content-Length: 0).');
        const conflict = busy();
        if (conflict) return conflict;
        savedRevision = device.revision;
        return { status: 200, json: { description: 'Configuration was saved.' } };
      }
    }
    const known = [
      '/api',
      '/api/v1/status',
      '/api/v1/files/ini',
      '/api/v1/files/ini/incremental',
      '/api/v1/files/cliScript/incremental',
      '/api/v1/actions/saveConfiguration',
    ];
    return known.includes(p)
      ? error(405, `Method ${method} is not allowed on ${p}.`)
      : error(404, `${p} was not found.`);
  };

  const control: AudioCodesControl = {
    tables: () => device.tables(),
    fullIni: () => device.fullIni(),
    reset() {
      device.reset();
      savedRevision = device.revision;
      haSync = false;
      conflicts = 0;
      requests.length = 0;
      sipRequests.length = 0;
    },
    setHaSync(active) {
      haSync = active;
    },
    conflictNext(n) {
      conflicts = n;
    },
    forceDelete: (table, index) => device.forceDelete(table, index),
    requests,
    sipRequests,
    get saveNeeded() {
      return device.revision !== savedRevision;
    },
  };

  const controlApi = async (req: IncomingMessage, method: string, path: string): Promise<Reply> => {
    if (method === 'GET' && path === '/_control/tables') return { status: 200, json: control.tables() };
    if (method === 'GET' && path === '/_control/requests') return { status: 200, json: requests };
    if (method === 'GET' && path === '/_control/sip-requests') return { status: 200, json: sipRequests };
    if (method === 'POST' && path === '/_control/reset') {
      control.reset();
      return { status: 204 };
    }
    if (method === 'PUT' && path === '/_control/ha-sync') {
      let body: { active?: unknown; next?: unknown };
      try {
        body = JSON.parse((await readBody(req)).toString('utf8')) as typeof body;
      } catch {
        return error(400, 'Expected JSON {"active": boolean} or {"next": number}.');
      }
      if (typeof body.active === 'boolean') control.setHaSync(body.active);
      else if (typeof body.next === 'number' && Number.isInteger(body.next) && body.next >= 0)
        control.conflictNext(body.next);
      else return error(400, 'Expected JSON {"active": boolean} or {"next": number}.');
      return { status: 204 };
    }
    return error(404, `${path} was not found.`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://device').pathname;
    let reply: Reply;
    let user: AudioCodesUser | undefined;
    try {
      if (path.startsWith('/_control/')) reply = await controlApi(req, method, path);
      else if (path === '/api' || path.startsWith('/api/')) {
        user = authenticate(req);
        reply = user
          ? await api(req, method, path, user)
          : {
              ...error(401, 'Authentication is required.'),
              headers: { 'www-authenticate': 'Basic realm="AudioCodes Mediant"' },
            };
        requests.push({ method, path, status: reply.status, ...(user ? { user: user.username } : {}) });
      } else reply = error(404, `${path} was not found.`);
    } catch (e) {
      reply = error(500, `Internal error: ${(e as Error).message}`);
    }
    if (!req.readableEnded) req.resume();
    const headers: Record<string, string> = { ...reply.headers };
    let body: string | undefined;
    if (reply.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(reply.json);
    } else if (reply.text !== undefined) {
      headers['content-type'] ??= 'text/plain';
      body = reply.text;
    }
    res.writeHead(reply.status, headers);
    res.end(body);
    persisted?.changed();
  };

  const server = createServer((req, res) => void handle(req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  let sip: SipTlsListener | null = null;
  if (options.sip) {
    try {
      sip = await startSipTlsListener({
        ...options.sip,
        server: `${options.productType ?? 'Mediant VE SBC'}/v.${options.versionID ?? '7.40A.500.775'}`,
        onRequest: (r) => sipRequests.push(r),
      });
    } catch (e) {
      server.closeAllConnections();
      server.close();
      throw e;
    }
  }
  return {
    url,
    controlUrl: `${url}/_control`,
    sip: sip && { host: sip.host, port: sip.port },
    control,
    stop: async () => {
      await Promise.all([
        sip?.stop(),
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
      ]);
      persisted?.close();
    },
  };
}
