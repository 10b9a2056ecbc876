import { z } from 'zod';
import { IniError, parseIni } from './ini.ts';
import { SbcError, type SbcDevice, type SbcStatus, type SbcTables } from './sbc-device.ts';

/**
 * The AudioCodes Mediant REST adapter (reference `sbc.md` §1): HTTP Basic authentication on every request,
 * `GET /api/v1/status`, incremental INI and CLI uploads as multipart/form-data with the part `file`,
 * `POST /api/v1/actions/saveConfiguration`, and the full INI download to read the tables. 409 (HA
 * synchronisation in progress) is retried with exponential backoff, a bounded number of times. It never uploads a
 * full INI (`PUT /api/v1/files/ini`): that resets the device.
 */

export type AudioCodesOptions = {
  /** The device's base URL, e.g. `https://sbc1.provider.net` (the API is under `/api/v1`). */
  url: string;
  username: string;
  password: string;
  /** Attempts of a write answered 409 before giving up with 'busy'. Default 5. */
  maxAttempts?: number;
  /** First wait after a 409; doubles each time up to `maxDelayMs`. Defaults 500 ms and 8 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

const StatusSchema = z.object({
  productType: z.string(),
  versionID: z.string(),
  saveNeeded: z.boolean(),
  resetNeeded: z.boolean(),
  highAvailability: z.string(),
  operationalState: z.string(),
});

const ReplySchema = z.object({
  description: z.string().optional(),
  output: z.string().optional(),
  line: z.number().optional(),
});

/** A line of CLI output that reports a failed command. */
const CLI_ERROR = /^\s*(Error|Invalid command|% )/im;

export function createAudioCodesDevice(options: AudioCodesOptions): SbcDevice {
  const base = options.url.replace(/\/+$/, '');
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 8000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const where = `the AudioCodes SBC at ${base}`;

  const send = async (method: string, path: string, body?: FormData): Promise<Response> => {
    try {
      return await fetch(`${base}${path}`, {
        method,
        // A POST without a body goes out with Content-Length: 0 (Fetch standard), as saveConfiguration wants.
        headers: { authorization, accept: 'application/json' },
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new SbcError('unavailable', `${where} could not be reached (${method} ${path}).`, { cause: e });
    }
  };

  const reply = async (res: Response) => {
    const text = await res.text();
    try {
      return ReplySchema.parse(JSON.parse(text));
    } catch {
      return { description: text.slice(0, 200) || undefined, output: undefined, line: undefined };
    }
  };

  const failure = async (res: Response, what: string): Promise<SbcError> => {
    const body = await reply(res);
    const said = [body.description, body.output].filter(Boolean).join(' ');
    const detail = said ? ` The device said: ${said}` : '';
    const options = { status: res.status, ...(body.line === undefined ? {} : { line: body.line }) };
    if (res.status === 401) return new SbcError('unauthorized', `${where} refused the credentials.`, options);
    if (res.status === 403)
      return new SbcError('forbidden', `${where} does not allow this user to ${what}.${detail}`, options);
    if (res.status === 409)
      return new SbcError(
        'busy',
        `${where} kept answering 409 (HA synchronisation in progress) to ${what}.`,
        options,
      );
    if (res.status >= 500)
      return new SbcError('unavailable', `${where} failed to ${what} (${res.status}).${detail}`, options);
    return new SbcError('rejected', `${where} refused to ${what} (${res.status}).${detail}`, options);
  };

  /** A write, retried while the device answers 409; exponential backoff, bounded attempts. */
  const write = async (method: string, path: string, what: string, body?: () => FormData) => {
    for (let attempt = 1; ; attempt++) {
      const res = await send(method, path, body?.());
      if (res.status === 409 && attempt < maxAttempts) {
        await res.body?.cancel();
        await sleep(Math.min(maxDelay, baseDelay * 2 ** (attempt - 1)));
        continue;
      }
      if (!res.ok) throw await failure(res, what);
      return reply(res);
    }
  };

  const upload = (text: string, filename: string) => () => {
    const form = new FormData();
    form.set('file', new Blob([text], { type: 'application/octet-stream' }), filename);
    return form;
  };

  return {
    kind: 'audiocodes',

    async status(): Promise<SbcStatus> {
      const res = await send('GET', '/api/v1/status');
      if (!res.ok) throw await failure(res, 'report its status');
      const parsed = StatusSchema.safeParse(await res.json().catch(() => undefined));
      if (!parsed.success)
        throw new SbcError('malformed', `${where} answered a status Trunkline cannot read.`);
      const s = parsed.data;
      return {
        product: s.productType,
        versionId: s.versionID,
        saveNeeded: s.saveNeeded,
        resetNeeded: s.resetNeeded,
        highAvailability: s.highAvailability,
        operationalState: s.operationalState,
      };
    },

    async applyIncremental(iniText) {
      try {
        parseIni(iniText);
      } catch (e) {
        if (e instanceof IniError)
          throw new SbcError('invalid', `The INI fragment is invalid: ${e.message}`, { line: e.line });
        throw e;
      }
      await write(
        'PUT',
        '/api/v1/files/ini/incremental',
        'load the incremental INI',
        upload(iniText, 'trunkline.ini'),
      );
    },

    async runCliScript(script) {
      const body = await write(
        'PUT',
        '/api/v1/files/cliScript/incremental',
        'run the incremental CLI script',
        upload(script, 'trunkline.cli'),
      );
      const output = body.output ?? '';
      const error = CLI_ERROR.exec(output);
      if (error) {
        const line = output.slice(error.index).split('\n')[0]?.trim();
        throw new SbcError('rejected', `${where} reported an error in the CLI script: ${line}`);
      }
      return output;
    },

    async save() {
      await write('POST', '/api/v1/actions/saveConfiguration', 'save the configuration');
    },

    async readTables(): Promise<SbcTables> {
      const res = await send('GET', '/api/v1/files/ini');
      if (!res.ok) throw await failure(res, 'send its configuration');
      let sections;
      try {
        sections = parseIni(await res.text());
      } catch (e) {
        throw new SbcError('malformed', `${where} sent a configuration Trunkline cannot read.`, { cause: e });
      }
      const tables: SbcTables = {};
      for (const s of sections)
        (tables[s.table] ??= []).push(...s.rows.map((r) => ({ index: r.index, values: r.values })));
      return tables;
    },
  };
}
