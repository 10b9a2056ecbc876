import { IniError, parseIni } from '@trunkline/audiocodes-ini';
import { formatIni } from './ini.ts';
import { columnsOf, TABLES, tableByCli, tableSchema, type TableSchema } from './schema.ts';

export type Row = { index: number; values: Record<string, string> };
type State = Map<string, Map<number, Row>>;

const INTEGER = /^-?\d+$/;

const clone = (s: State): State => new Map([...s].map(([t, rows]) => [t, new Map(rows)]));

const emptyState = (): State => new Map(TABLES.map((s) => [s.name, new Map()]));

const nameOf = (schema: TableSchema, row: Row) =>
  schema.nameColumn ? row.values[schema.nameColumn] : undefined;

/** Whether `value` in a row names an existing row of the referenced table. */
const resolves = (state: State, ref: TableSchema['references'][number], value: string) => {
  if (value === '' || ref.wildcards?.includes(value)) return true;
  const rows = state.get(ref.table)!;
  if (ref.by === 'index') return INTEGER.test(value) && rows.has(Number(value));
  const target = tableSchema(ref.table)!;
  for (const r of rows.values()) if (nameOf(target, r) === value) return true;
  return false;
};

/** Rows of the state that reference the given row (by its index or name). */
const referrers = (state: State, schema: TableSchema, row: Row): string[] => {
  const found: string[] = [];
  for (const other of TABLES)
    for (const ref of other.references) {
      if (ref.table !== schema.name) continue;
      const key = ref.by === 'index' ? String(row.index) : nameOf(schema, row);
      if (key === undefined || key === '') continue;
      for (const r of state.get(other.name)!.values())
        if (r.values[ref.column] === key) found.push(`${other.name} ${r.index}`);
    }
  return found;
};

/**
 * The device's configuration: its tables, with the rules it enforces when an incremental INI or a CLI script
 * changes them. Every change is checked on a copy and committed only if the whole file is valid.
 */
export const createDevice = (baseIni: string) => {
  let state = emptyState();
  let revision = 0;

  /** Applies an incremental INI; returns how many rows changed. Throws IniError naming the line. */
  const applyIni = (text: string): number => {
    const doc = parseIni(text);
    const next = clone(state);
    let changed = 0;
    for (const section of doc.sections) {
      const schema = tableSchema(section.table);
      if (!schema) throw new IniError(section.line, `unknown table ${section.table}`);
      const columns = columnsOf(schema);
      const formatLine = section.formatLine;
      const mapped = section.format.map((f) => {
        const c = columns.find((col) => col.name.toLowerCase() === f.toLowerCase());
        if (!c) throw new IniError(formatLine, `FORMAT column ${f} is not a column of table ${schema.name}`);
        return c;
      });
      const seen = new Set<string>();
      for (const c of mapped) {
        if (seen.has(c.name)) throw new IniError(formatLine, `FORMAT names column ${c.name} twice`);
        seen.add(c.name);
      }
      for (const r of schema.required)
        if (!seen.has(r)) throw new IniError(formatLine, `FORMAT of table ${schema.name} lacks column ${r}`);
      const rows = next.get(schema.name)!;
      for (const iniRow of section.rows) {
        const where = `${schema.name} ${iniRow.index}`;
        if (iniRow.index >= schema.capacity)
          throw new IniError(iniRow.line, `${where}: index beyond the table's capacity (${schema.capacity})`);
        const values: Record<string, string> = Object.fromEntries(columns.map((c) => [c.name, '']));
        mapped.forEach((c, i) => {
          const v = iniRow.values[i] ?? '';
          if (c.integer && v !== '' && !INTEGER.test(v))
            throw new IniError(
              iniRow.line,
              `${where}: column ${c.name} must be an integer, got ${JSON.stringify(v)}`,
            );
          values[c.name] = v;
        });
        const row: Row = { index: iniRow.index, values };
        for (const required of schema.required)
          if (values[required] === '')
            throw new IniError(iniRow.line, `${where}: column ${required} is empty`);
        for (const ref of schema.references)
          if (!resolves(next, ref, values[ref.column] ?? ''))
            throw new IniError(
              iniRow.line,
              `${where}: ${ref.column} ${JSON.stringify(values[ref.column])} references a ${ref.table} that does not exist`,
            );
        const name = nameOf(schema, row);
        if (name !== undefined)
          for (const other of rows.values())
            if (other.index !== row.index && nameOf(schema, other) === name)
              throw new IniError(
                iniRow.line,
                `${where}: ${schema.nameColumn} ${JSON.stringify(name)} is already used by ${schema.name} ${other.index}`,
              );
        const before = rows.get(row.index);
        if (before) {
          // Renaming a row that others reference would orphan them.
          const oldName = nameOf(schema, before);
          if (oldName !== undefined && oldName !== name) {
            const users = referrers(next, schema, before);
            if (users.length > 0)
              throw new IniError(
                iniRow.line,
                `${where}: cannot rename ${JSON.stringify(oldName)}, used by ${users.join(', ')}`,
              );
          }
        }
        if (!before || JSON.stringify(before.values) !== JSON.stringify(row.values)) changed++;
        rows.set(row.index, row);
      }
    }
    state = next;
    if (changed > 0) revision++;
    return changed;
  };

  /**
   * Runs the emulator's CLI subset line by line: `configure voip`, `no <table command> <index>` (deletes a row),
   * `exit`, `#` comments. Stops at the first error; lines before it stay applied, as on a CLI.
   */
  const runCli = (text: string): { output: string; ok: boolean; changed: number } => {
    const out: string[] = [];
    let mode: 'top' | 'voip' = 'top';
    let changed = 0;
    const fail = (msg: string) => {
      out.push(`Error: ${msg}`);
      if (changed > 0) revision++;
      return { output: out.join('\n'), ok: false, changed };
    };
    for (const raw of text.split(/\r\n|\r|\n/)) {
      const line = raw.trim().replace(/\s+/g, ' ');
      if (line === '' || line.startsWith('#')) continue;
      out.push(`${mode === 'voip' ? 'SBC(config-voip)#' : 'SBC#'} ${line}`);
      if (line === 'configure voip') {
        if (mode !== 'top') return fail(`"${line}" is only valid at the top level`);
        mode = 'voip';
        continue;
      }
      if (line === 'exit') {
        if (mode === 'top') return fail('"exit" outside a configuration mode');
        mode = 'top';
        continue;
      }
      const no = /^no (.+) (\d+)$/.exec(line);
      if (no && mode === 'voip') {
        const schema = tableByCli(no[1] ?? '');
        if (!schema) return fail(`Invalid command "${no[1]}"`);
        const index = Number(no[2]);
        const rows = state.get(schema.name)!;
        const row = rows.get(index);
        if (!row) return fail(`${schema.name} row ${index} does not exist`);
        const users = referrers(state, schema, row);
        if (users.length > 0) return fail(`${schema.name} row ${index} is used by ${users.join(', ')}`);
        rows.delete(index);
        changed++;
        continue;
      }
      return fail(`Invalid command "${line}"`);
    }
    if (mode !== 'top') out.push('SBC(config-voip)# (end of script)');
    if (changed > 0) revision++;
    return { output: out.join('\n'), ok: true, changed };
  };

  const tables = (): Record<string, Row[]> =>
    Object.fromEntries(
      [...state].map(([t, rows]) => [
        t,
        [...rows.values()]
          .sort((a, b) => a.index - b.index)
          .map((r) => ({ index: r.index, values: { ...r.values } })),
      ]),
    );

  // A device's full INI starts with parameter sections; the emulator writes a short one so readers cope with it.
  const fullIni = () =>
    '[SYSTEM Params]\r\nSyslogServerIP = 0.0.0.0\r\n\r\n[SIP Params]\r\nENABLESIPS = 1\r\n\r\n' +
    formatIni(
      TABLES.map((s) => ({
        table: s.name,
        columns: columnsOf(s),
        rows: [...state.get(s.name)!.values()].sort((a, b) => a.index - b.index),
      })),
    );

  const reset = () => {
    state = emptyState();
    applyIni(baseIni);
    revision = 0;
  };
  reset();

  /** Replaces the whole configuration with a full INI (a configuration read back); throws IniError, changing nothing. */
  const load = (ini: string) => {
    const before = state;
    state = emptyState();
    try {
      applyIni(ini);
    } catch (e) {
      state = before;
      throw e;
    }
    revision = 0;
  };

  return {
    applyIni,
    runCli,
    tables,
    fullIni,
    reset,
    load,
    get revision() {
      return revision;
    },
    /** Deletes a row behind the adapter's back (drift), without the device's checks. */
    forceDelete(table: string, index: number) {
      const schema = tableSchema(table);
      if (!schema) throw new Error(`unknown table ${table}`);
      const deleted = state.get(schema.name)!.delete(index);
      if (deleted) revision++;
      return deleted;
    },
  };
};

export type Device = ReturnType<typeof createDevice>;
