import { formatSections, parseCleanupScript, parseIni, type IniSection } from './ini.ts';
import { SbcError, type SbcDevice, type SbcRow, type SbcTables } from './sbc-device.ts';

/**
 * Applying a customer's rendered fragments the way a workflow step must: read the actual state, write only the
 * difference, save, verify by reading back. A second apply of the same fragment sends nothing.
 */

export type RowRef = { table: string; index: number };

const lower = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));

const find = (tables: SbcTables, table: string, index: number): SbcRow | undefined =>
  Object.entries(tables)
    .find(([t]) => t.toLowerCase() === table.toLowerCase())?.[1]
    .find((r) => r.index === index);

/** Whether the device's row holds every value the fragment's row writes (columns compared case-insensitively). */
const holds = (actual: SbcRow | undefined, wanted: Record<string, string>) => {
  if (!actual) return false;
  const have = lower(actual.values);
  return Object.entries(wanted).every(([k, v]) => (have[k.toLowerCase()] ?? '') === v);
};

const readTables = async (device: SbcDevice): Promise<SbcTables> => {
  if (!device.readTables)
    throw new SbcError('invalid', `The ${device.kind} adapter cannot read the device's tables.`);
  return device.readTables();
};

/** The rows of the fragment the device does not hold yet, as INI sections (in the fragment's order). */
export const iniDifference = (iniText: string, tables: SbcTables): IniSection[] =>
  parseIni(iniText)
    .map((s) => ({ ...s, rows: s.rows.filter((r) => !holds(find(tables, s.table, r.index), r.values)) }))
    .filter((s) => s.rows.length > 0);

/**
 * The device names a line of the text it was sent (only the differing rows); says which row of the rendered
 * fragment that is, and its line there, so the provider finds it in the plan preview and the template.
 */
const inFragmentTerms = (e: unknown, sent: IniSection[]): unknown => {
  if (!(e instanceof SbcError) || e.line === undefined) return e;
  // formatSections writes, per section: the header, the FORMAT line, the rows, the closing line.
  let line = 1;
  for (const s of sent) {
    const first = line + 2;
    const row = s.rows[e.line - first];
    if (e.line >= first && row)
      return new SbcError(
        e.kind,
        `${e.message} (row ${s.table} ${row.index}, line ${row.line} of the fragment)`,
        {
          ...(e.status === undefined ? {} : { status: e.status }),
          line: row.line,
          cause: e,
        },
      );
    line += s.rows.length + 3;
  }
  return e;
};

export type ApplyPlan = {
  /** The exact INI text that would be sent (only the differing rows); undefined: nothing to write. */
  text: string | undefined;
  rows: RowRef[];
  sections: IniSection[];
};

/** What applying the fragment would write to a device holding `tables` (for the plan preview and for applying). */
export const planApply = (iniText: string, tables: SbcTables): ApplyPlan => {
  const sections = iniDifference(iniText, tables);
  return {
    text: sections.length > 0 ? formatSections(sections) : undefined,
    rows: sections.flatMap((s) => s.rows.map((r) => ({ table: s.table, index: r.index }))),
    sections,
  };
};

/** Writes what differs, saves, verifies. Returns the rows written (empty: the device already held them all). */
export async function applyFragment(device: SbcDevice, iniText: string): Promise<RowRef[]> {
  const plan = planApply(iniText, await readTables(device));
  if (plan.text === undefined) return [];
  try {
    await device.applyIncremental(plan.text);
  } catch (e) {
    throw inFragmentTerms(e, plan.sections);
  }
  await device.save();
  const missing = planApply(iniText, await readTables(device)).rows;
  if (missing.length > 0)
    throw new SbcError(
      'rejected',
      `The device accepted the fragment but does not hold ${missing.map((r) => `${r.table} ${r.index}`).join(', ')}.`,
    );
  return plan.rows;
}

export type RemovePlan = {
  /** The exact CLI script that would be sent; undefined: nothing to remove. */
  script: string | undefined;
  removed: RowRef[];
  /** Rows at a recorded index that no longer hold what onboarding wrote: not Trunkline's any more, left alone. */
  foreign: RowRef[];
};

/**
 * What the cleanup would remove from a device holding `tables`: the script's rows that are still there and still
 * hold what `onboardingText` (the fragment as it was applied, recorded then) wrote.
 */
export const planRemove = (cleanupText: string, onboardingText: string, tables: SbcTables): RemovePlan => {
  const written = parseIni(onboardingText);
  const removed: RowRef[] = [];
  const foreign: RowRef[] = [];
  const lines: string[] = [];
  for (const d of parseCleanupScript(cleanupText)) {
    const actual = find(tables, d.table, d.index);
    if (!actual) continue;
    const wanted = written
      .find((s) => s.table.toLowerCase() === d.table.toLowerCase())
      ?.rows.find((r) => r.index === d.index)?.values;
    if (wanted && !holds(actual, wanted)) {
      foreign.push({ table: d.table, index: d.index });
      continue;
    }
    lines.push(d.text);
    removed.push({ table: d.table, index: d.index });
  }
  return {
    script: lines.length > 0 ? ['configure voip', ...lines, 'exit', ''].join('\n') : undefined,
    removed,
    foreign,
  };
};

/** Runs the cleanup for the rows that are still Trunkline's (`planRemove`), saves, verifies they are gone. */
export async function removeFragment(
  device: SbcDevice,
  cleanupText: string,
  onboardingText: string,
): Promise<{ removed: RowRef[]; foreign: RowRef[] }> {
  const { script, removed, foreign } = planRemove(cleanupText, onboardingText, await readTables(device));
  if (script === undefined) return { removed, foreign };
  await device.runCliScript(script);
  await device.save();
  const after = await readTables(device);
  const left = removed.filter((r) => find(after, r.table, r.index));
  if (left.length > 0)
    throw new SbcError(
      'rejected',
      `The device still holds ${left.map((r) => `${r.table} ${r.index}`).join(', ')}.`,
    );
  return { removed, foreign };
}
