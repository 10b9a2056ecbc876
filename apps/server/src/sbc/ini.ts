/**
 * AudioCodes configuration text, read by Trunkline: INI tables (`[ Table ]`, `FORMAT Index = col, …;`,
 * `Table N = v, …;`, `[ \Table ]`, `;` comments, case-insensitive names — reference `sbc.md` §2) and the CLI
 * subset of cleanup scripts (`configure voip`, `no <table command> <index>`, `exit`). Used to check templates
 * when they are saved, to read the device's full INI, and to compare what a fragment writes with what the
 * device holds. Errors (`IniError`) name the line.
 */

import { IniError, parseIni as parseIniDocument } from '@trunkline/audiocodes-ini';

export { IniError };

export type IniRow = { index: number; values: Record<string, string>; line: number };
export type IniSection = { table: string; format: string[]; rows: IniRow[]; line: number };

/**
 * Reads INI tables (`@trunkline/audiocodes-ini`, the emulator's reader too), each row's values by FORMAT column.
 * Parameter lines outside tables (`Name = value`), also under parameter section headers such as `[SYSTEM Params]`
 * (as a device's full INI has them), are allowed and ignored.
 */
export const parseIni = (text: string): IniSection[] =>
  parseIniDocument(text).sections.map(({ table, format, rows, line }) => ({
    table,
    format,
    line,
    rows: rows.map((r) => ({
      index: r.index,
      values: Object.fromEntries(format.map((c, k) => [c, r.values[k] ?? ''])),
      line: r.line,
    })),
  }));

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
      throw new IniError(
        line,
        mode === 'voip'
          ? `expected "no <table command> <index>" or "exit", got ${JSON.stringify(cmd)}`
          : `expected "configure voip" before ${JSON.stringify(cmd)}`,
      );
    const table = CLI_TABLE_COMMANDS[no[1] ?? ''];
    if (!table) throw new IniError(line, `unknown table command ${JSON.stringify(no[1])}`);
    deletes.push({ table, index: Number(no[2]), line, text: cmd });
  });
  if (mode === 'voip')
    throw new IniError(text.split(/\r\n|\r|\n/).length, 'the script does not end with "exit"');
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
