import { z } from 'zod';
import { allocateIndexes, IndexExhaustedError, type IndexRange } from './allocation.ts';
import { formatSections, parseCleanupScript, parseIni } from './ini.ts';
import type {
  SbcChange,
  SbcCustomer,
  SbcInspection,
  SbcNumberRange,
  SbcPlanPreview,
  SbcProvisioner,
  SbcRecord,
  SbcTestResult,
} from './provisioner.ts';
import { SbcError, type SbcDevice, type SbcTables } from './sbc-device.ts';
import { applyFragment, planApply, planRemove, removeFragment, type RowRef } from './sync.ts';
import {
  DEFAULT_TEMPLATES,
  indexNeeds,
  pickTemplate,
  renderTemplate,
  TemplateError,
  type SbcTemplate,
} from './templates.ts';

/**
 * The AudioCodes Mediant provisioner: the provider's template for the SBC's model and the device's firmware
 * (`pickTemplate` by `versionID`), row indexes allocated around the device's rows and the indexes recorded for
 * the SBC's other customers (`allocateIndexes`; the customer's own recorded indexes kept), rendered, and written
 * by difference (`sync.ts`). The record keeps the indexes, the fragment as applied and its cleanup, so that
 * offboarding removes exactly that and a re-run writes over the same rows. When a re-render needs fewer rows
 * (fewer number ranges), the rows no longer wanted are recorded as `stale` before anything is written and removed
 * after the new fragment is in place, so a crash in between loses none of them.
 */

/** What the AudioCodes provisioner keeps in `SbcRecord.state`. */
export const AudioCodesStateSchema = z.object({
  template: z.string(),
  versionId: z.string(),
  indexes: z.record(z.string(), z.array(z.number().int())),
  /** The INI fragment as applied (every row), and the CLI script that removes it. */
  onboarding: z.string(),
  cleanup: z.string(),
  /** Rows of an earlier fragment no longer wanted, still to remove: their INI and the script removing them. */
  stale: z.object({ onboarding: z.string(), cleanup: z.string() }).nullable().default(null),
});
export type AudioCodesState = z.infer<typeof AudioCodesStateSchema>;

export type AudioCodesProvisionerDeps = {
  sbcId: string;
  device: SbcDevice;
  /** The provider's templates; none saved yet: the defaults. */
  templates: () => Promise<SbcTemplate[]>;
  /** Indexes recorded for the SBC's other customers, per table (never this service's own). */
  reservedIndexes: (serviceId: string) => Promise<Record<string, number[]>>;
  indexRanges?: Record<string, IndexRange>;
};

/** A number range in AudioCodes dial-plan prefix notation (`+4930123[1000-1999]`). */
export const rangeNotation = (r: SbcNumberRange): string =>
  r.kind === 'number' ? r.number : r.kind === 'prefix' ? r.prefix : `${r.prefix}[${r.from}-${r.to}]`;

const key = (r: RowRef) => `${r.table.toLowerCase()} ${r.index}`;
const rowsOf = (ini: string): RowRef[] =>
  parseIni(ini).flatMap((s) => s.rows.map((r) => ({ table: s.table, index: r.index })));
const label = (r: RowRef) => `${r.table} ${r.index}`;

/** The part of a recorded fragment (INI and cleanup) that concerns only `keep` rows. */
const subset = (onboarding: string, cleanup: string, keep: Set<string>) => {
  const sections = parseIni(onboarding)
    .map((s) => ({ ...s, rows: s.rows.filter((r) => keep.has(key({ table: s.table, index: r.index }))) }))
    .filter((s) => s.rows.length > 0);
  const lines = parseCleanupScript(cleanup)
    .filter((d) => keep.has(key(d)))
    .map((d) => d.text);
  if (sections.length === 0) return null;
  return {
    onboarding: formatSections(sections),
    cleanup: ['configure voip', ...lines, 'exit', ''].join('\n'),
  };
};

/** Two stale fragments as one (an earlier stale part that was not removed yet, and the new one). */
const joinStale = (a: AudioCodesState['stale'], b: AudioCodesState['stale']): AudioCodesState['stale'] => {
  if (!a || !b) return a ?? b;
  const lines = (c: string) => parseCleanupScript(c).map((d) => d.text);
  return {
    onboarding: a.onboarding + b.onboarding,
    cleanup: ['configure voip', ...lines(a.cleanup), ...lines(b.cleanup), 'exit', ''].join('\n'),
  };
};

/** The rows a recorded state holds on the device (its fragment's and the stale ones still to remove). */
export const audioCodesRows = (state: unknown): RowRef[] => {
  const parsed = AudioCodesStateSchema.safeParse(state);
  if (!parsed.success) return [];
  return [
    ...rowsOf(parsed.data.onboarding),
    ...(parsed.data.stale ? rowsOf(parsed.data.stale.onboarding) : []),
  ];
};

const templateFailure = (e: unknown): unknown => {
  if (e instanceof TemplateError) {
    const first = e.problems[0];
    return new SbcError('invalid', `The SBC template cannot be used: ${e.message}`, {
      ...(first ? { line: first.line } : {}),
      cause: e,
    });
  }
  if (e instanceof IndexExhaustedError) return new SbcError('invalid', e.message, { cause: e });
  return e;
};

export function createAudioCodesProvisioner(deps: AudioCodesProvisionerDeps): SbcProvisioner {
  const { device, sbcId } = deps;

  const tablesOf = async (): Promise<SbcTables> => {
    if (!device.readTables) throw new SbcError('invalid', 'The AudioCodes adapter cannot read tables.');
    return device.readTables();
  };

  const stateOf = (record: SbcRecord | undefined): AudioCodesState | undefined => {
    if (!record || record.kind !== 'audiocodes') return undefined;
    if (record.sbcId !== sbcId)
      throw new SbcError(
        'invalid',
        `The customer's rows are recorded on another SBC (${record.sbcId}); remove them there first.`,
      );
    const parsed = AudioCodesStateSchema.safeParse(record.state);
    return parsed.success ? parsed.data : undefined;
  };

  const recordOf = (state: AudioCodesState): SbcRecord => ({ kind: 'audiocodes', sbcId, state });

  /** What the customer's rows should be now: template, indexes, rendered fragments, and what becomes stale. */
  async function desired(customer: SbcCustomer, previous: SbcRecord | undefined) {
    const prev = stateOf(previous);
    const status = await device.status();
    const saved = await deps.templates();
    const template = pickTemplate(
      saved.length > 0 ? saved : DEFAULT_TEMPLATES,
      customer.model,
      status.versionId,
    );
    if (!template)
      throw new SbcError(
        'invalid',
        `No SBC template for the model "${customer.model}" and firmware ${status.versionId}: add one under Settings → SBCs.`,
      );
    const tables = await tablesOf();
    const used: Record<string, number[]> = {};
    for (const [table, list] of Object.entries(await deps.reservedIndexes(customer.serviceId)))
      (used[table] ??= []).push(...list);
    for (const [table, rows] of Object.entries(tables))
      (used[table] ??= []).push(...rows.map((r) => r.index));
    const ranges = customer.ranges.map(rangeNotation);
    let rendered;
    let indexes;
    try {
      indexes = allocateIndexes({
        need: indexNeeds(template, ranges.length),
        used,
        ...(prev ? { previous: prev.indexes } : {}),
        ...(deps.indexRanges ? { ranges: deps.indexRanges } : {}),
      });
      rendered = renderTemplate(
        template,
        {
          customerFqdn: customer.fqdn,
          shortName: customer.shortName,
          sessionLimit: customer.sessionLimit,
          ranges,
        },
        indexes,
      );
    } catch (e) {
      throw templateFailure(e);
    }
    const wanted = new Set(rowsOf(rendered.onboarding).map(key));
    const gone = prev ? rowsOf(prev.onboarding).filter((r) => !wanted.has(key(r))) : [];
    const stillStale = prev?.stale
      ? subset(
          prev.stale.onboarding,
          prev.stale.cleanup,
          new Set(
            rowsOf(prev.stale.onboarding)
              .filter((r) => !wanted.has(key(r)))
              .map(key),
          ),
        )
      : null;
    const stale = joinStale(
      stillStale,
      prev && gone.length > 0 ? subset(prev.onboarding, prev.cleanup, new Set(gone.map(key))) : null,
    );
    const state: AudioCodesState = {
      template: template.name,
      versionId: status.versionId,
      indexes,
      onboarding: rendered.onboarding,
      cleanup: rendered.cleanup,
      stale,
    };
    return { state, tables, template };
  }

  const removalPreview = (cleanup: string, onboarding: string, tables: SbcTables) => {
    const plan = planRemove(cleanup, onboarding, tables);
    const changes: SbcChange[] = plan.script
      ? [{ action: 'remove', format: 'cli', text: plan.script, objects: plan.removed.map(label) }]
      : [];
    return { changes, foreign: plan.foreign.map(label) };
  };

  return {
    kind: 'audiocodes',

    async test(): Promise<SbcTestResult> {
      const s = await device.status();
      return {
        ok: true,
        product: s.product,
        version: s.versionId,
        details: {
          saveNeeded: s.saveNeeded,
          resetNeeded: s.resetNeeded,
          highAvailability: s.highAvailability,
          operationalState: s.operationalState,
        },
      };
    },

    async planApply(customer, previous): Promise<SbcPlanPreview> {
      const { state, tables } = await desired(customer, previous);
      const plan = planApply(state.onboarding, tables);
      const changes: SbcChange[] = plan.text
        ? [{ action: 'write', format: 'ini', text: plan.text, objects: plan.rows.map(label) }]
        : [];
      const foreign: string[] = [];
      if (state.stale) {
        const removal = removalPreview(state.stale.cleanup, state.stale.onboarding, tables);
        changes.push(...removal.changes);
        foreign.push(...removal.foreign);
      }
      return {
        changes,
        foreign,
        notes: [
          `Template "${state.template}" for firmware ${state.versionId}.`,
          `Rows: ${rowsOf(state.onboarding).map(label).join(', ')}.`,
        ],
      };
    },

    async apply(customer, previous, checkpoint) {
      const { state } = await desired(customer, previous);
      // Recorded before anything is sent: a crash after the device accepted leaves a record naming the rows.
      await checkpoint?.(recordOf(state));
      try {
        await applyFragment(device, state.onboarding);
      } catch (e) {
        throw templateFailure(e);
      }
      if (state.stale) await removeFragment(device, state.stale.cleanup, state.stale.onboarding);
      return recordOf({ ...state, stale: null });
    },

    async planRemove(record): Promise<SbcPlanPreview> {
      const state = stateOf(record);
      if (!state) return { changes: [], foreign: [], notes: ['Trunkline recorded no rows on this SBC.'] };
      const tables = await tablesOf();
      const main = removalPreview(state.cleanup, state.onboarding, tables);
      const stale = state.stale
        ? removalPreview(state.stale.cleanup, state.stale.onboarding, tables)
        : { changes: [], foreign: [] };
      return {
        changes: [...main.changes, ...stale.changes],
        foreign: [...main.foreign, ...stale.foreign],
        notes: [],
      };
    },

    async remove(record): Promise<SbcPlanPreview> {
      const state = stateOf(record);
      if (!state) return { changes: [], foreign: [], notes: ['Trunkline recorded no rows on this SBC.'] };
      const before = await this.planRemove(record);
      const main = await removeFragment(device, state.cleanup, state.onboarding);
      const stale = state.stale
        ? await removeFragment(device, state.stale.cleanup, state.stale.onboarding)
        : { removed: [], foreign: [] };
      const removed = [...main.removed, ...stale.removed];
      return {
        changes: before.changes,
        foreign: [...main.foreign, ...stale.foreign].map(label),
        notes: removed.length
          ? [`Removed ${removed.map(label).join(', ')}.`]
          : ['None of the recorded rows was left on the SBC.'],
      };
    },

    async inspect(customer, record): Promise<SbcInspection> {
      const state = stateOf(record);
      const tables = await tablesOf();
      const onboarding = state?.onboarding ?? (await desired(customer, record)).state.onboarding;
      const differ = planApply(onboarding, tables).rows;
      const present = new Set(
        Object.entries(tables).flatMap(([t, rows]) => rows.map((r) => key({ table: t, index: r.index }))),
      );
      return {
        missing: differ.filter((r) => !present.has(key(r))).map(label),
        differing: differ.filter((r) => present.has(key(r))).map(label),
      };
    },
  };
}
