import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The emulator's state kept in a file so that it survives a restart (the sandbox of `npm start` keeps it in its
 * data directory). The file is `{"format", "version", "savedAt", "state"}`; it is written whole to a temporary file
 * beside it and renamed over it (atomic on one file system), at most once per `debounceMs` after a change and on
 * stop, and only when the state differs from what was last written. A file that cannot be read, is not JSON, or is
 * of another format or version is set aside as `<file>.corrupt-<time>` with a message on stderr, and the emulator
 * starts fresh: a bad file never stops it from starting.
 */
export type StateFileOptions<T> = {
  file: string;
  /** Names the emulator in the file and in messages, e.g. `trunkline-dns-emulator`. */
  format: string;
  version: number;
  /** Checks the `state` of a file read back; throws a message when it is not acceptable. */
  validate(state: unknown): T;
  /** The state to write, as JSON-ready data. */
  snapshot(): unknown;
  debounceMs?: number;
  /** Where the "set aside" message goes; default stderr. */
  warn?: (message: string) => void;
};

export type StateFile<T> = {
  /** The state read at start, or undefined (no file, or a bad one set aside). */
  readonly loaded: T | undefined;
  /** Where a bad file was set aside at start, if it was. */
  readonly setAside: string | undefined;
  /** Notes a change: the state is written within `debounceMs`. */
  changed(): void;
  /** Writes now if the state changed since the last write (a failure is reported on `warn`, not thrown). */
  flush(): void;
  /** Writes pending changes and stops the timer. */
  close(): void;
};

export const openStateFile = <T>(o: StateFileOptions<T>): StateFile<T> => {
  const warn = o.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const debounceMs = o.debounceMs ?? 500;
  let loaded: T | undefined;
  let setAside: string | undefined;
  let last: string | undefined;
  if (existsSync(o.file)) {
    try {
      const doc = JSON.parse(readFileSync(o.file, 'utf8')) as unknown;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
      const { format, version, state } = doc as Record<string, unknown>;
      if (format !== o.format) throw new Error(`format is ${JSON.stringify(format)}, expected "${o.format}"`);
      if (version !== o.version) throw new Error(`version ${String(version)} is not ${o.version}`);
      loaded = o.validate(state);
      last = JSON.stringify(state);
    } catch (e) {
      const aside = `${o.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      let kept = `it is kept as ${aside}`;
      try {
        renameSync(o.file, aside);
        setAside = aside;
      } catch (r) {
        kept = `it could not be set aside (${(r as Error).message}) and will be overwritten`;
      }
      warn(
        `${o.format}: the state file ${o.file} cannot be used (${(e as Error).message}); ${kept}; the emulator starts fresh.`,
      );
    }
  }

  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const state = JSON.stringify(o.snapshot());
    if (state === last) return;
    const text = `{"format":${JSON.stringify(o.format)},"version":${o.version},"savedAt":${JSON.stringify(new Date().toISOString())},"state":${state}}\n`;
    mkdirSync(path.dirname(o.file), { recursive: true });
    const tmp = `${o.file}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, o.file);
    last = state;
  };
  /** A failed write (disk full, permissions) is reported and tried again at the next change, never thrown. */
  const flush = () => {
    try {
      write();
    } catch (e) {
      warn(`${o.format}: could not write ${o.file}: ${(e as Error).message}`);
    }
  };
  return {
    loaded,
    setAside,
    changed() {
      timer ??= setTimeout(flush, debounceMs).unref();
    },
    flush,
    close: flush,
  };
};
