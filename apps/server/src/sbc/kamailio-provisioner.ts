import { z } from 'zod';
import { numberKeys } from './kamailio-numbers.ts';
import { createKamailioRpc, KamailioRpcError, type KamailioRpc } from './kamailio-rpc.ts';
import type {
  SbcChange,
  SbcCustomer,
  SbcInspection,
  SbcPlanPreview,
  SbcProvisioner,
  SbcRecord,
  SbcTestResult,
} from './provisioner.ts';
import { SbcError } from './sbc-device.ts';

/**
 * The Kamailio provisioner: a customer is rows of the two htables `deploy/kamailio/kamailio.cfg` reads, written
 * at run time through JSON-RPC (`htable.sets`, `htable.seti`, `htable.delete`) and read back (`htable.get`) to
 * verify — never a restart or a reload:
 *   numbers    one key per number prefix (`kamailio-numbers.ts`) → the customer FQDN;
 *   customers  the customer FQDN → its session limit.
 * The record lists the rows written, so removal deletes exactly those that still hold what Trunkline wrote. A row
 * another customer holds is never overwritten (`foreign`; apply refuses). Kamailio reads the tables from memory;
 * after every change they are saved to its database (`persist`), which it loads when it starts, so a restart or a
 * crash keeps the customers. Should that database be lost, a re-run (Repair) writes what is missing.
 */

export const KAMAILIO_TABLES = ['numbers', 'customers'] as const;
type Table = (typeof KAMAILIO_TABLES)[number];

const RowSchema = z.object({
  table: z.enum(KAMAILIO_TABLES),
  key: z.string().min(1),
  value: z.union([z.string(), z.number().int()]),
});
export type KamailioRow = z.infer<typeof RowSchema>;

/** What the Kamailio provisioner keeps in `SbcRecord.state`: the rows it wrote (or is about to write). */
export const KamailioStateSchema = z.object({ fqdn: z.string(), rows: z.array(RowSchema) });
export type KamailioState = z.infer<typeof KamailioStateSchema>;

export type KamailioProvisionerDeps = {
  sbcId: string;
  rpc: KamailioRpc;
};

export type KamailioEntry = {
  id: string;
  managementUrl: string;
  username?: string | null | undefined;
  password?: string | null | undefined;
};

/** The provisioner for an inventory entry: the management URL is the JSON-RPC URL (`http://host:5080/RPC`). */
export function kamailioProvisionerFor(entry: KamailioEntry, options: { timeoutMs?: number } = {}) {
  return createKamailioProvisioner({
    sbcId: entry.id,
    rpc: createKamailioRpc({
      url: entry.managementUrl,
      username: entry.username ?? undefined,
      password: entry.password ?? undefined,
      ...options,
    }),
  });
}

/** The rows a customer needs. */
export function kamailioRows(customer: SbcCustomer): KamailioRow[] {
  const fqdn = customer.fqdn.toLowerCase();
  return [
    ...numberKeys(customer.ranges).map((key): KamailioRow => ({ table: 'numbers', key, value: fqdn })),
    { table: 'customers', key: fqdn, value: Math.max(1, Math.floor(customer.sessionLimit)) },
  ];
}

/** A method the SBC does not offer (its module not loaded) reads as no value; any other failure stays one. */
const absentMethod = (e: unknown): undefined => {
  if (e instanceof KamailioRpcError) return undefined;
  throw e;
};

const id = (r: { table: string; key: string }) => `${r.table} ${r.key}`;
const line = (r: KamailioRow) => `${r.table}: key=${r.key}, value=${r.value}`;

export function createKamailioProvisioner(deps: KamailioProvisionerDeps): SbcProvisioner {
  const { rpc, sbcId } = deps;

  const stateOf = (record: SbcRecord | undefined): KamailioState | undefined => {
    if (!record || record.kind !== 'kamailio') return undefined;
    if (record.sbcId !== sbcId)
      throw new SbcError(
        'invalid',
        `The customer's rows are recorded on another SBC (${record.sbcId}); remove them there first.`,
      );
    const parsed = KamailioStateSchema.safeParse(record.state);
    if (!parsed.success) throw new SbcError('invalid', 'The recorded Kamailio rows cannot be read.');
    return parsed.data;
  };
  const recordOf = (state: KamailioState): SbcRecord => ({ kind: 'kamailio', sbcId, state });

  /** The value a row holds on the SBC now, or undefined when the key is absent. */
  const read = async (table: Table, key: string): Promise<string | number | undefined> => {
    let result: unknown;
    try {
      result = await rpc.call('htable.get', [table, key]);
    } catch (e) {
      if (e instanceof KamailioRpcError && /doesn't exist|not found/i.test(e.message)) return undefined;
      if (e instanceof KamailioRpcError && /no such htable/i.test(e.message))
        throw new SbcError(
          'invalid',
          `The Kamailio SBC has no htable "${table}": deploy Trunkline's configuration (deploy/kamailio).`,
          { cause: e },
        );
      throw e;
    }
    const value = (result as { item?: { value?: unknown } } | null)?.item?.value;
    if (typeof value === 'string' || typeof value === 'number') return value;
    throw new SbcError('malformed', `The Kamailio SBC answered htable.get ${table} without a value.`);
  };

  const readAll = async (rows: { table: Table; key: string }[]) => {
    const actual = new Map<string, string | number | undefined>();
    for (const r of rows) actual.set(id(r), await read(r.table, r.key));
    return actual;
  };

  const write = async (r: KamailioRow) => {
    await rpc.call(typeof r.value === 'number' ? 'htable.seti' : 'htable.sets', [r.table, r.key, r.value]);
  };

  const drop = async (r: KamailioRow) => {
    try {
      await rpc.call('htable.delete', [r.table, r.key]);
    } catch (e) {
      if (e instanceof KamailioRpcError && /not found|doesn't exist/i.test(e.message)) return;
      throw e;
    }
  };

  /** What apply has to do: rows to write, recorded rows no longer wanted that still hold our value, foreign rows. */
  async function diff(customer: SbcCustomer, previous: SbcRecord | undefined) {
    const prev = stateOf(previous);
    const wanted = kamailioRows(customer);
    const wantedIds = new Set(wanted.map(id));
    const obsolete = (prev?.rows ?? []).filter((r) => !wantedIds.has(id(r)));
    const recorded = new Map((prev?.rows ?? []).map((r) => [id(r), r.value]));
    const actual = await readAll([...wanted, ...obsolete]);
    const toWrite: KamailioRow[] = [];
    const foreign: string[] = [];
    for (const r of wanted) {
      const now = actual.get(id(r));
      if (now === r.value) continue;
      // A numbers row holding another FQDN that Trunkline did not write for this customer belongs to someone else.
      const ours = recorded.has(id(r)) && recorded.get(id(r)) === now;
      if (now !== undefined && r.table === 'numbers' && !ours) {
        foreign.push(`${id(r)} holds ${now}`);
        continue;
      }
      toWrite.push(r);
    }
    const toRemove = obsolete.filter((r) => actual.get(id(r)) === r.value);
    return { fqdn: customer.fqdn.toLowerCase(), wanted, obsolete, toWrite, toRemove, foreign };
  }

  const changes = (toWrite: KamailioRow[], toRemove: KamailioRow[]): SbcChange[] => [
    ...(toWrite.length
      ? [
          {
            action: 'write' as const,
            format: 'rows' as const,
            text: toWrite.map(line).join('\n'),
            objects: toWrite.map(id),
          },
        ]
      : []),
    ...(toRemove.length
      ? [
          {
            action: 'remove' as const,
            format: 'rows' as const,
            text: toRemove.map(line).join('\n'),
            objects: toRemove.map(id),
          },
        ]
      : []),
  ];

  const modelNote = (customer: SbcCustomer) =>
    customer.model === 'ip-group-per-customer'
      ? [
          'Kamailio has no IP Groups: the customer is its number rows and its session limit, as in the shared carrier trunk.',
        ]
      : [];

  /**
   * Microsoft's SIP proxies in dispatcher set 1 and how many answer the OPTIONS keep-alive (flag `A`: active), or
   * undefined when the SBC has no dispatcher list to show.
   */
  async function microsoftProxies(): Promise<{ total: number; active: number } | undefined> {
    const listed = (await rpc.call('dispatcher.list').catch(absentMethod)) as
      { RECORDS?: { SET?: { ID?: unknown; TARGETS?: { DEST?: { FLAGS?: unknown } }[] } }[] } | undefined;
    const set = listed?.RECORDS?.find((r) => r.SET?.ID === 1)?.SET;
    if (!set?.TARGETS) return undefined;
    const flags = set.TARGETS.map((t) => String(t.DEST?.FLAGS ?? ''));
    return { total: flags.length, active: flags.filter((f) => f.startsWith('A')).length };
  }

  /**
   * Saves the changed tables to the SBC's database, so they survive a restart or a crash: `htable.store` for each
   * table that has a `dbtable`, then `db_text.dump` (db_text keeps its tables in memory until then; an SBC on
   * another database module has no such method, which is fine).
   */
  async function persist(tables: Set<Table>) {
    if (tables.size === 0) return;
    const listed = await rpc.call('htable.listTables');
    const stored = Array.isArray(listed)
      ? listed.filter((t: { name?: unknown; dbtable?: unknown }) => {
          return tables.has(t.name as Table) && typeof t.dbtable === 'string' && t.dbtable !== '';
        })
      : [];
    for (const t of stored as { name: string }[]) await rpc.call('htable.store', [t.name]);
    if (stored.length === 0) return;
    try {
      await rpc.call('db_text.dump');
    } catch (e) {
      if (!(e instanceof KamailioRpcError && /method not found/i.test(e.message))) throw e;
    }
  }

  async function verify(present: KamailioRow[], absent: KamailioRow[]) {
    const actual = await readAll([...present, ...absent]);
    const wrong = present.filter((r) => actual.get(id(r)) !== r.value).map(id);
    const left = absent.filter((r) => actual.get(id(r)) === r.value).map(id);
    if (wrong.length || left.length)
      throw new SbcError(
        'rejected',
        `The Kamailio SBC does not hold what was written: ${[...wrong.map((w) => `${w} differs`), ...left.map((l) => `${l} still there`)].join('; ')}.`,
      );
  }

  async function planRemove(record: SbcRecord): Promise<SbcPlanPreview> {
    const state = stateOf(record);
    if (!state) return { changes: [], foreign: [], notes: [] };
    const actual = await readAll(state.rows);
    const ours = state.rows.filter((r) => actual.get(id(r)) === r.value);
    const foreign = state.rows
      .filter((r) => actual.get(id(r)) !== undefined && actual.get(id(r)) !== r.value)
      .map((r) => `${id(r)} holds ${actual.get(id(r))}`);
    return { changes: changes([], ours), foreign, notes: [] };
  }

  return {
    kind: 'kamailio',

    async test(): Promise<SbcTestResult> {
      const version = await rpc.call('core.version');
      if (typeof version !== 'string')
        throw new SbcError('malformed', 'The Kamailio SBC answered core.version without a version.');
      const tables = await rpc.call('htable.listTables');
      const names = Array.isArray(tables)
        ? tables.map((t) => (t as { name?: unknown }).name).filter((n): n is string => typeof n === 'string')
        : [];
      const missing = KAMAILIO_TABLES.filter((t) => !names.includes(t));
      if (missing.length)
        throw new SbcError(
          'invalid',
          `The Kamailio SBC has no htable ${missing.join(', ')}: deploy Trunkline's configuration (deploy/kamailio).`,
        );
      const uptime = (await rpc.call('core.uptime').catch(absentMethod)) as { uptime?: unknown } | undefined;
      const proxies = await microsoftProxies();
      const match = /^(\S+)\s+(\S+)/.exec(version.trim());
      return {
        ok: true,
        product: match?.[1] ?? 'kamailio',
        version: match?.[2] ?? version.trim(),
        details: {
          tables: names.sort().join(', '),
          ...(typeof uptime?.uptime === 'number' ? { uptimeSeconds: uptime.uptime } : {}),
          ...(proxies ? { microsoftProxies: proxies.total, microsoftProxiesActive: proxies.active } : {}),
        },
      };
    },

    async planApply(customer, previous): Promise<SbcPlanPreview> {
      const d = await diff(customer, previous);
      return { changes: changes(d.toWrite, d.toRemove), foreign: d.foreign, notes: modelNote(customer) };
    },

    async apply(customer, previous, checkpoint): Promise<SbcRecord> {
      const d = await diff(customer, previous);
      if (d.foreign.length)
        throw new SbcError(
          'rejected',
          `Numbers of this customer are routed to another customer on the Kamailio SBC: ${d.foreign.join('; ')}.`,
        );
      // Recorded before the first write: every row that may be on the SBC after a crash (the wanted ones and the
      // obsolete ones not removed yet), so offboarding after a crash still removes all of them.
      const pending: KamailioState = {
        fqdn: d.fqdn,
        rows: [...d.wanted, ...d.obsolete.filter((r) => d.toRemove.some((x) => id(x) === id(r)))],
      };
      if (checkpoint && (d.toWrite.length || d.toRemove.length)) await checkpoint(recordOf(pending));
      for (const r of d.toWrite) await write(r);
      for (const r of d.toRemove) await drop(r);
      await verify(d.wanted, d.toRemove);
      await persist(new Set([...d.toWrite, ...d.toRemove].map((r) => r.table)));
      return recordOf({ fqdn: d.fqdn, rows: d.wanted });
    },

    planRemove,

    async remove(record): Promise<SbcPlanPreview> {
      const plan = await planRemove(record);
      const state = stateOf(record);
      if (!state) return plan;
      const gone = state.rows.filter((r) => plan.changes.some((c) => c.objects.includes(id(r))));
      for (const r of gone) await drop(r);
      await verify([], gone);
      await persist(new Set(gone.map((r) => r.table)));
      return plan;
    },

    async inspect(customer, _record): Promise<SbcInspection> {
      const wanted = kamailioRows(customer);
      const actual = await readAll(wanted);
      return {
        missing: wanted.filter((r) => actual.get(id(r)) === undefined).map(id),
        differing: wanted
          .filter((r) => actual.get(id(r)) !== undefined && actual.get(id(r)) !== r.value)
          .map((r) => `${id(r)}: ${actual.get(id(r))} instead of ${r.value}`),
      };
    },
  };
}
