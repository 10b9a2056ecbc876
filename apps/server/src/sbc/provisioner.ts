/**
 * The port the "Configure SBC" workflow step, the plan preview, the health check and Settings → SBCs use: one
 * provisioner per SBC kind, built at the composition root from an SBC inventory entry (its management URL and
 * its unsealed credentials). The AudioCodes Mediant provisioner renders the provider's templates and writes INI/CLI
 * fragments by difference (`sync.ts` over the `SbcDevice` REST port); the Kamailio provisioner writes the rows
 * of the tables its configuration reads and reloads them through JSON-RPC, never restarting it.
 *
 * Every method reads the device's actual state first; `apply` and `remove` change only the difference and verify
 * by reading back, so a re-run after a crash changes nothing twice. Errors are `SbcError` (`sbc-device.ts`), whose
 * `transient` says whether a retry may help.
 */
import type { SbcNumberRange } from '@trunkline/contracts';
import type { SbcError } from './sbc-device.ts';

export type SbcKind = 'audiocodes' | 'kamailio';
export type SbcConfigurationModel = 'shared-trunk' | 'ip-group-per-customer';

/** One number range of a customer, normalised (parsed, formatted and compared in contracts' number-ranges.ts). */
export type { SbcNumberRange };

/** What the SBC must know of one customer (one service). */
export type SbcCustomer = {
  serviceId: string;
  shortName: string;
  /** The customer FQDN (the derived trunk) the Contact host toward Teams must carry. */
  fqdn: string;
  ranges: SbcNumberRange[];
  /** Concurrent sessions allowed (licensed users × the SBC's factor, at least 1). */
  sessionLimit: number;
  model: SbcConfigurationModel;
};

/**
 * What a provisioner wrote for a customer, recorded in the step's outcome (zod-validated there) so that
 * offboarding removes exactly that and a re-run keeps the same rows. Opaque to the workflow: each kind keeps its
 * own fields under `state` (AudioCodes: template name, row indexes per table, the onboarding text as applied and
 * its cleanup text; Kamailio: the table rows written).
 */
export type SbcRecord = { kind: SbcKind; sbcId: string; state: Record<string, unknown> };

/** One change the plan preview shows, as the exact text or rows that will be sent. */
export type SbcChange = {
  action: 'write' | 'remove';
  /** `ini`/`cli`: AudioCodes text; `rows`: Kamailio table rows as `table: col=value, …` lines. */
  format: 'ini' | 'cli' | 'rows';
  text: string;
  /** Table/row identities touched, for the UI list (`DialPlanRule 100`, `trunkline_numbers +4930…`). */
  objects: string[];
};

export type SbcPlanPreview = {
  /** Empty: the device already holds what it should (apply) or nothing of ours is left (remove). */
  changes: SbcChange[];
  /** Rows at a recorded place that no longer hold what Trunkline wrote: left alone, shown as a warning. */
  foreign: string[];
  notes: string[];
};

/** What the device holds compared to what it should hold for the customer (health check drift). */
export type SbcInspection = { missing: string[]; differing: string[] };

export type SbcTestResult = {
  ok: true;
  product: string;
  version: string;
  /** Kind-specific facts shown in Settings → SBCs (AudioCodes: saveNeeded, HA state; Kamailio: loaded tables). */
  details: Record<string, string | number | boolean>;
};

export interface SbcProvisioner {
  readonly kind: SbcKind;
  /** Reads the device (Test connection). */
  test(): Promise<SbcTestResult>;
  /** What `apply` would change now (plan preview). `previous`: the record of an earlier run, if any. */
  planApply(customer: SbcCustomer, previous: SbcRecord | undefined): Promise<SbcPlanPreview>;
  /**
   * Writes the difference, saves, verifies; returns the record to keep (also when nothing had to change).
   * `checkpoint` is called with the record *before* the first device write (the crash rule: a re-run that finds
   * the rows on the device then writes nothing and keeps the same rows); if it throws, nothing is written.
   */
  apply(
    customer: SbcCustomer,
    previous: SbcRecord | undefined,
    checkpoint?: (record: SbcRecord) => Promise<void>,
  ): Promise<SbcRecord>;
  /** What `remove` would change now (plan preview of offboarding). */
  planRemove(record: SbcRecord): Promise<SbcPlanPreview>;
  /** Removes exactly what the record says Trunkline wrote and still holds; verifies they are gone. */
  remove(record: SbcRecord): Promise<SbcPlanPreview>;
  /** Compares the device with what it should hold for the customer (health check; drift → Repair). */
  inspect(customer: SbcCustomer, record: SbcRecord | undefined): Promise<SbcInspection>;
}

export type { SbcError };
