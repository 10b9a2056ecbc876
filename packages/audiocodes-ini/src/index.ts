/**
 * The INI text format of AudioCodes devices (`sbc.md` §2): `[ Table ]`, one `FORMAT Index = col, …;` line, data
 * lines `Table N = v, …;`, `[ \Table ]`; `;` starts a comment; names are case-insensitive. Outside tables, lines
 * are `Parameter = value`, optionally under a parameter section header (`[SYSTEM Params]`). Strict: anything
 * else is an error naming the line. One reader for the server's SBC adapter (templates, a device's full INI) and
 * the AudioCodes emulator; each writes INI its own way.
 */

export class IniError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'IniError';
    this.line = line;
  }
}

export type IniRow = { index: number; values: string[]; line: number };
export type IniSection = {
  table: string;
  format: string[];
  rows: IniRow[];
  line: number;
  formatLine: number;
};
export type IniDocument = {
  sections: IniSection[];
  parameters: { name: string; value: string; line: number }[];
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits `a, "b, c", 3` into values, unquoting quoted ones. Throws a plain message on malformed input. */
const splitValues = (text: string): string[] => {
  const values: string[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    skipSpaces();
    let value: string;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new Error('unterminated quoted value');
      value = text.slice(i + 1, end);
      i = end + 1;
      skipSpaces();
    } else {
      const end = text.indexOf(',', i);
      value = (end < 0 ? text.slice(i) : text.slice(i, end)).trim();
      if (value.includes('"')) throw new Error(`stray quote in value ${JSON.stringify(value)}`);
      i = end < 0 ? text.length : end;
    }
    values.push(value);
    if (i >= text.length) return values;
    if (text[i] !== ',') throw new Error(`expected a comma after value ${JSON.stringify(value)}`);
    i++;
  }
};

/** The statement of a line without its terminating `;` and trailing comment (a `;` outside quotes ends it). */
const statement = (raw: string): { text: string; terminated: boolean } => {
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) return { text: raw.slice(0, i).trim(), terminated: true };
  }
  return { text: raw.trim(), terminated: false };
};

export const parseIni = (text: string): IniDocument => {
  const doc: IniDocument = { sections: [], parameters: [] };
  let open: IniSection | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';')) return;
    // Parameter sections of a full INI (`[SYSTEM Params]`, `[SIP Params]`, …): parameter lines follow, unclosed.
    if (/^\[\s*[A-Za-z][A-Za-z0-9 ]* Params\s*\]$/.test(trimmed)) {
      if (open) throw new IniError(line, `${trimmed} starts before table ${open.table} is closed`);
      return;
    }
    const header = /^\[\s*(\\?)\s*([^\]\s]+)\s*\]$/.exec(trimmed);
    if (header) {
      const [, closing, name = ''] = header;
      if (!NAME.test(name)) throw new IniError(line, `invalid table name ${JSON.stringify(name)}`);
      if (closing) {
        if (!open) throw new IniError(line, `[ \\${name} ] closes a table that is not open`);
        if (open.table.toLowerCase() !== name.toLowerCase())
          throw new IniError(line, `[ \\${name} ] does not close the open table ${open.table}`);
        if (open.format.length === 0) throw new IniError(line, `table ${open.table} has no FORMAT line`);
        open = undefined;
        return;
      }
      if (open) throw new IniError(line, `table ${name} starts before table ${open.table} is closed`);
      open = { table: name, format: [], rows: [], line, formatLine: line };
      doc.sections.push(open);
      return;
    }
    const { text: stmt, terminated } = statement(raw);
    if (open) {
      if (!terminated) throw new IniError(line, 'a table line must end with ";"');
      const format = /^FORMAT\s+(\S+)\s*=(.*)$/i.exec(stmt);
      if (format) {
        if (open.format.length > 0) throw new IniError(line, `second FORMAT line in table ${open.table}`);
        if (format[1]?.toLowerCase() !== 'index')
          throw new IniError(line, `FORMAT must start with "Index =", not ${JSON.stringify(format[1])}`);
        const columns = (format[2] ?? '').split(',').map((c) => c.trim());
        for (const c of columns)
          if (!NAME.test(c)) throw new IniError(line, `invalid column name ${JSON.stringify(c)} in FORMAT`);
        open.format = columns;
        open.formatLine = line;
        return;
      }
      const row = /^(\S+)\s+(\d+)\s*=(.*)$/.exec(stmt);
      if (!row) throw new IniError(line, `expected "${open.table} <index> = …;" or the FORMAT line`);
      const [, table = '', index = '', rest = ''] = row;
      if (table.toLowerCase() !== open.table.toLowerCase())
        throw new IniError(line, `row of table ${table} inside table ${open.table}`);
      if (open.format.length === 0)
        throw new IniError(line, `row before the FORMAT line of table ${open.table}`);
      let values: string[];
      try {
        values = splitValues(rest);
      } catch (e) {
        throw new IniError(line, (e as Error).message);
      }
      if (values.length !== open.format.length)
        throw new IniError(
          line,
          `${values.length} values where the FORMAT line of ${open.table} has ${open.format.length} columns`,
        );
      const n = Number(index);
      if (open.rows.some((r) => r.index === n))
        throw new IniError(line, `row ${open.table} ${n} appears twice in the file`);
      open.rows.push({ index: n, values, line });
      return;
    }
    const param = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(stmt);
    if (!param)
      throw new IniError(line, `expected "[ Table ]" or "Parameter = value", got ${JSON.stringify(trimmed)}`);
    doc.parameters.push({ name: param[1] ?? '', value: (param[2] ?? '').replace(/^"(.*)"$/, '$1'), line });
  });
  if (open) throw new IniError(lines.length, `table ${open.table} is not closed with [ \\${open.table} ]`);
  return doc;
};
