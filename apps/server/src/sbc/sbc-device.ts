/**
 * The port to the provider's SBC for the "Configure SBC" step: read the device, write a customer's rows as an
 * incremental configuration fragment, remove them, save. The AudioCodes Mediant REST adapter is `audiocodes.ts`;
 * the sandbox points it at `emulators/audiocodes`. Never a full configuration upload: on a Mediant it resets
 * the device.
 */

export type SbcStatus = {
  product: string;
  /** Firmware version, e.g. `7.40A.500.775`: INI column sets differ by firmware family. */
  versionId: string;
  /** Changes are in the running configuration but not saved to flash yet. */
  saveNeeded: boolean;
  resetNeeded: boolean;
  /** HA state as the device reports it (e.g. `Not Operational` for a standalone device). */
  highAvailability: string;
  operationalState: string;
};

/** One table row: its index and its columns by name (all columns the device reports). */
export type SbcRow = { index: number; values: Record<string, string> };
/** Rows by table name. */
export type SbcTables = Record<string, SbcRow[]>;

export type SbcDevice = {
  /** The adapter, for logs and audit records: `'audiocodes'`. */
  readonly kind: string;
  status(): Promise<SbcStatus>;
  /** Writes an incremental INI fragment (rows added or overwritten by index); no reset. */
  applyIncremental(iniText: string): Promise<void>;
  /** Runs an incremental CLI script (the cleanup fragments: `no …` commands); returns the device's output. */
  runCliScript(script: string): Promise<string>;
  /** Saves the running configuration (flash). */
  save(): Promise<void>;
  /** The device's tables as it reports them (AudioCodes: the full INI download, read only). */
  readTables?(): Promise<SbcTables>;
};

/**
 * Why an SBC operation failed. Stable; callers branch on it.
 * - `unauthorized`: the device refused the credentials (401). `forbidden`: the user's privilege level (403).
 * - `busy`: HA synchronisation kept answering 409 after the bounded retries.
 * - `rejected`: the device refused the fragment (400, or errors in a CLI script's output); `line` names the line.
 * - `invalid`: refused before anything was sent (the fragment does not parse).
 * - `unavailable`: the device failed (5xx) or could not be reached, or did not answer in time.
 * - `malformed`: the device's answer could not be understood.
 */
export type SbcErrorKind =
  'unauthorized' | 'forbidden' | 'busy' | 'rejected' | 'invalid' | 'unavailable' | 'malformed';

/** The one error of the SBC port. Never carries the credentials. */
export class SbcError extends Error {
  readonly kind: SbcErrorKind;
  readonly status: number | undefined;
  /** The line of the fragment the device (or the local check) named, when it did. */
  readonly line: number | undefined;
  constructor(
    kind: SbcErrorKind,
    message: string,
    options: { status?: number; line?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SbcError';
    this.kind = kind;
    this.status = options.status;
    this.line = options.line;
  }
  /** Worth trying again soon (the port errors' one rule): HA sync still running, device failing or unreachable. */
  get transient(): boolean {
    return this.kind === 'busy' || this.kind === 'unavailable';
  }
}
