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

/** Writes what differs, saves, verifies. Returns the rows written (empty: the device already held them all). */
export async function applyFragment(device: SbcDevice, iniText: string): Promise<RowRef[]> {
  const diff = iniDifference(iniText, await readTables(device));
  if (diff.length === 0) return [];
  try {
    await device.applyIncremental(formatSections(diff));
  } catch (e) {
    throw inFragmentTerms(e, diff);
  }
  await device.save();
  const after = await readTables(device);
  const missing = iniDifference(iniText, after).flatMap((s) => s.rows.map((r) => `${s.table} ${r.index}`));
  if (missing.length > 0)
    throw new SbcError(
      'rejected',
      `The device accepted the fragment but does not hold ${missing.join(', ')}.`,
    );
  return diff.flatMap((s) => s.rows.map((r) => ({ table: s.table, index: r.index })));
}

/**
 * Runs the cleanup script for the rows that are still there. A row at a recorded index that no longer holds
 * what the onboarding fragment wrote is not Trunkline's any more: it is left alone and reported in `foreign`.
 */
export async function removeFragment(
  device: SbcDevice,
  cleanupText: string,
  onboardingText: string,
): Promise<{ removed: RowRef[]; foreign: RowRef[] }> {
  const deletes = parseCleanupScript(cleanupText);
  const written = parseIni(onboardingText);
  const tables = await readTables(device);
  const removed: RowRef[] = [];
  const foreign: RowRef[] = [];
  const lines: string[] = [];
  for (const d of deletes) {
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
  if (lines.length === 0) return { removed, foreign };
  await device.runCliScript(['configure voip', ...lines, 'exit', ''].join('\n'));
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
