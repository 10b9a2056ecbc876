/**
 * The emulator writes INI its own way (CRLF, integers bare by the table's schema); it reads INI with
 * `@trunkline/audiocodes-ini`, the same reader as the server.
 */

export type TableRows = {
  table: string;
  columns: { name: string; integer: boolean }[];
  rows: { index: number; values: Record<string, string> }[];
};

/** Writes tables as INI text (the full-INI download). Integers bare, strings quoted. */
export const formatIni = (tables: TableRows[]): string =>
  tables
    .filter((t) => t.rows.length > 0)
    .map((t) =>
      [
        `[ ${t.table} ]`,
        `FORMAT Index = ${t.columns.map((c) => c.name).join(', ')};`,
        ...t.rows.map(
          (r) =>
            `${t.table} ${r.index} = ${t.columns
              .map((c) => {
                const v = r.values[c.name] ?? '';
                return c.integer && v !== '' ? v : `"${v}"`;
              })
              .join(', ')};`,
        ),
        `[ \\${t.table} ]`,
        '',
      ].join('\r\n'),
    )
    .join('\r\n');
