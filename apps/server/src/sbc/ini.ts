/**
 * AudioCodes configuration text, read by Trunkline: INI tables (`[ Table ]`, `FORMAT Index = col, …;`,
 * `Table N = v, …;`, `[ \Table ]`, `;` comments, case-insensitive names — reference `sbc.md` §2) and the CLI
 * subset of cleanup scripts (`configure voip`, `no <table command> <index>`, `exit`). Used to check templates
 * when they are saved, to read the device's full INI, and to compare what a fragment writes with what the
 * device holds. Errors name the line.
 */

export class ConfigTextError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ConfigTextError';
    this.line = line;
  }
}

export type IniRow = { index: number; values: Record<string, string>; line: number };
export type IniSection = { table: string; format: string[]; rows: IniRow[]; line: number };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const splitValues = (text: string, line: number): string[] => {
  const values: string[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new ConfigTextError(line, 'unterminated quoted value');
      values.push(text.slice(i + 1, end));
      i = end + 1;
      while (text[i] === ' ' || text[i] === '\t') i++;
    } else {
      const end = text.indexOf(',', i);
      const value = (end < 0 ? text.slice(i) : text.slice(i, end)).trim();
      if (value.includes('"')) throw new ConfigTextError(line, `stray quote in ${JSON.stringify(value)}`);
      values.push(value);
      i = end < 0 ? text.length : end;
    }
    if (i >= text.length) return values;
    if (text[i] !== ',') throw new ConfigTextError(line, 'expected a comma between values');
    i++;
  }
};

/** The line without its terminating `;` (the first one outside quotes) and what follows. */
const statement = (raw: string) => {
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '"') quoted = !quoted;
    else if (raw[i] === ';' && !quoted) return { text: raw.slice(0, i).trim(), terminated: true };
  }
  return { text: raw.trim(), terminated: false };
};

/**
 * Parses INI tables. Parameter lines outside tables (`Name = value`), also under parameter section headers such as
 * `[SYSTEM Params]` (as a device's full INI has them), are allowed and ignored.
 */
export const parseIni = (text: string): IniSection[] => {
  const sections: IniSection[] = [];
  let open: IniSection | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';')) return;
    // Parameter sections of a full INI (`[SYSTEM Params]`, `[SIP Params]`, …): parameter lines follow, unclosed.
    if (/^\[\s*[A-Za-z][A-Za-z0-9 ]* Params\s*\]$/.test(trimmed)) {
      if (open) throw new ConfigTextError(line, `${trimmed} starts before table ${open.table} is closed`);
      return;
    }
    const header = /^\[\s*(\\?)\s*([^\]\s]+)\s*\]$/.exec(trimmed);
    if (header) {
      const [, closing, name = ''] = header;
      if (!NAME.test(name)) throw new ConfigTextError(line, `invalid table name ${JSON.stringify(name)}`);
      if (closing) {
        if (open?.table.toLowerCase() !== name.toLowerCase())
          throw new ConfigTextError(line, `[ \\${name} ] does not close the open table`);
        if (open.format.length === 0)
          throw new ConfigTextError(line, `table ${open.table} has no FORMAT line`);
        open = undefined;
      } else {
        if (open) throw new ConfigTextError(line, `table ${name} starts before ${open.table} is closed`);
        open = { table: name, format: [], rows: [], line };
        sections.push(open);
      }
      return;
    }
    const { text: stmt, terminated } = statement(raw);
    if (!open) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(stmt))
        throw new ConfigTextError(line, `expected "[ Table ]" or "Parameter = value"`);
      return;
    }
    if (!terminated) throw new ConfigTextError(line, 'a table line must end with ";"');
    const format = /^FORMAT\s+Index\s*=(.*)$/i.exec(stmt);
    if (format) {
      if (open.format.length > 0) throw new ConfigTextError(line, `second FORMAT line in ${open.table}`);
      open.format = (format[1] ?? '').split(',').map((c) => c.trim());
      for (const c of open.format)
        if (!NAME.test(c)) throw new ConfigTextError(line, `invalid column name ${JSON.stringify(c)}`);
      return;
    }
    const row = /^(\S+)\s+(\d+)\s*=(.*)$/.exec(stmt);
    if (!row) throw new ConfigTextError(line, `expected "${open.table} <index> = …;" or "FORMAT Index = …;"`);
    if (row[1]?.toLowerCase() !== open.table.toLowerCase())
      throw new ConfigTextError(line, `row of ${row[1]} inside table ${open.table}`);
    if (open.format.length === 0)
      throw new ConfigTextError(line, `row before the FORMAT line of ${open.table}`);
    const values = splitValues(row[3] ?? '', line);
    if (values.length !== open.format.length)
      throw new ConfigTextError(line, `${values.length} values for ${open.format.length} FORMAT columns`);
    const index = Number(row[2]);
    if (open.rows.some((r) => r.index === index))
      throw new ConfigTextError(line, `row ${open.table} ${index} appears twice`);
    const columns = open.format;
    open.rows.push({ index, values: Object.fromEntries(columns.map((c, k) => [c, values[k] ?? ''])), line });
  });
  if (open) throw new ConfigTextError(lines.length, `table ${open.table} is not closed`);
  return sections;
};

/**
 * The CLI command of each table whose `no <command> <index>` deletes a row (the subset cleanup scripts use;
 * `emulators/audiocodes` implements the same).
 */
export const CLI_TABLE_COMMANDS: Record<string, string> = {
  'sbc dial-plan-rule': 'DialPlanRule',
  'sbc dial-plan': 'DialPlan',
  'sbc cac-rule': 'SBCAdmissionRule',
  'sbc cac-profile': 'SBCAdmissionProfile',
  'ip-group': 'IPGroup',
  'proxy-set': 'ProxySet',
  'proxy-ip': 'ProxyIp',
  'sbc classification': 'Classification',
  'sbc routing ip2ip-routing': 'IP2IPRouting',
  'message manipulation': 'MessageManipulations',
  'message condition': 'ConditionTable',
  'sbc call-setup-rules': 'CallSetupRules',
};

export type CliDelete = { table: string; index: number; line: number; text: string };

/** Parses a cleanup script: `configure voip`, then `no <command> <index>` lines, then `exit`; `#` comments. */
export const parseCleanupScript = (text: string): CliDelete[] => {
  const deletes: CliDelete[] = [];
  let mode = 'top' as 'top' | 'voip' | 'done';
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = i + 1;
    const cmd = raw.trim().replace(/\s+/g, ' ');
    if (cmd === '' || cmd.startsWith('#')) return;
    if (cmd === 'configure voip' && mode !== 'voip') {
      mode = 'voip';
      return;
    }
    if (cmd === 'exit' && mode === 'voip') {
      mode = 'done';
      return;
    }
    const no = /^no (.+) (\d+)$/.exec(cmd);
    if (!no || mode !== 'voip')
      throw new ConfigTextError(
        line,
        mode === 'voip'
          ? `expected "no <table command> <index>" or "exit", got ${JSON.stringify(cmd)}`
          : `expected "configure voip" before ${JSON.stringify(cmd)}`,
      );
    const table = CLI_TABLE_COMMANDS[no[1] ?? ''];
    if (!table) throw new ConfigTextError(line, `unknown table command ${JSON.stringify(no[1])}`);
    deletes.push({ table, index: Number(no[2]), line, text: cmd });
  });
  if (mode === 'voip')
    throw new ConfigTextError(text.split(/\r\n|\r|\n/).length, 'the script does not end with "exit"');
  return deletes;
};

/** Writes INI sections back as text (only the given FORMAT columns, strings quoted). */
export const formatSections = (sections: Pick<IniSection, 'table' | 'format' | 'rows'>[]): string =>
  sections
    .map((s) =>
      [
        `[ ${s.table} ]`,
        `FORMAT Index = ${s.format.join(', ')};`,
        ...s.rows.map(
          (r) =>
            `${s.table} ${r.index} = ${s.format
              .map((c) => {
                const v = r.values[c] ?? '';
                return /^-?\d+$/.test(v) ? v : `"${v}"`;
              })
              .join(', ')};`,
        ),
        `[ \\${s.table} ]`,
      ].join('\n'),
    )
    .join('\n') + '\n';
