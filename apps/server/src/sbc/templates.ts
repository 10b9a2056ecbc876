import { CLI_TABLE_COMMANDS, IniError, parseCleanupScript, parseIni } from './ini.ts';

/**
 * Provider-editable SBC templates: an onboarding INI fragment and its paired cleanup CLI script, with named
 * variables. Validated when saved (every problem names its part and line), rendered per customer.
 *
 * Variables:
 * - `{{customerFqdn}}`, `{{shortName}}`, `{{sessionLimit}}`: the customer's.
 * - `{{row.<Table>}}`: a row index Trunkline allocates for the customer in that table (`allocation.ts`), so that two
 *   customers never collide. Outside a ranges block it is the customer's one row of the table; inside, one row per
 *   number range.
 * - `{{#ranges}}` … `{{/ranges}}` (each on its own line): the lines between are repeated for every number range,
 *   with `{{range}}` = the range in AudioCodes prefix notation (`+4930123[1000-1999]`).
 *
 * Every data row of the onboarding fragment must be indexed by `{{row.<its table>}}`, and the cleanup script must
 * remove exactly the same tables with the same kind of index (`no <table command> {{row.<Table>}}`), so that
 * offboarding removes what onboarding wrote.
 */

export type SbcModel = 'shared-trunk' | 'ip-group-per-customer';

export type SbcTemplate = {
  name: string;
  model: SbcModel;
  /** Firmware family the columns are written for (prefix of the device's `versionID`, e.g. `7.4`); none = any. */
  firmwareFamily?: string;
  /** Incremental INI. */
  onboarding: string;
  /** Incremental CLI script (`configure voip`, `no …`, `exit`). */
  cleanup: string;
};

export type TemplatePart = 'onboarding' | 'cleanup';
export type TemplateProblem = { part: TemplatePart; line: number; message: string };

export class TemplateError extends Error {
  readonly problems: TemplateProblem[];
  constructor(problems: TemplateProblem[]) {
    super(problems.map((p) => `${p.part} template, line ${p.line}: ${p.message}`).join('\n'));
    this.name = 'TemplateError';
    this.problems = problems;
  }
}

export type CustomerValues = {
  customerFqdn: string;
  shortName: string;
  sessionLimit: number;
  ranges: string[];
};

/** Row indexes per table: the customer's own row first (if the template has one), then one per range. */
export type RowIndexes = Record<string, number[]>;

/** The tables templates may write: those a cleanup script can remove. */
export const TEMPLATE_TABLES = [...new Set(Object.values(CLI_TABLE_COMMANDS))];

const SCALARS = ['customerFqdn', 'shortName', 'sessionLimit'] as const;
const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;
const BLOCK_OPEN = '{{#ranges}}';
const BLOCK_CLOSE = '{{/ranges}}';

type Line = { text: string; line: number; inRanges: boolean };

/** Splits a part into lines marked inside/outside the ranges block; block lines themselves are dropped. */
const scan = (part: TemplatePart, text: string, problems: TemplateProblem[]): Line[] => {
  const lines: Line[] = [];
  let inRanges = false;
  let opened = 0;
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === BLOCK_OPEN || trimmed === BLOCK_CLOSE) {
      if (trimmed === BLOCK_OPEN && inRanges)
        problems.push({ part, line, message: 'ranges blocks cannot be nested' });
      if (trimmed === BLOCK_CLOSE && !inRanges)
        problems.push({ part, line, message: `${BLOCK_CLOSE} without ${BLOCK_OPEN}` });
      inRanges = trimmed === BLOCK_OPEN;
      if (inRanges) opened = line;
      return;
    }
    const rest = raw.replace(TOKEN, '');
    if (rest.includes('{{') || rest.includes('}}'))
      problems.push({ part, line, message: 'unbalanced "{{" or "}}"' });
    for (const m of raw.matchAll(TOKEN)) {
      const name = m[1] ?? '';
      if ((SCALARS as readonly string[]).includes(name)) continue;
      if (name === 'range') {
        if (!inRanges)
          problems.push({
            part,
            line,
            message: `{{range}} is only known inside ${BLOCK_OPEN} … ${BLOCK_CLOSE}`,
          });
        continue;
      }
      if (name === '#ranges' || name === '/ranges') {
        problems.push({ part, line, message: `${m[0]} must stand alone on its line` });
        continue;
      }
      const row = /^row\.(\w+)$/.exec(name);
      if (row && TEMPLATE_TABLES.includes(row[1] ?? '')) continue;
      problems.push({
        part,
        line,
        message: row
          ? `unknown table in {{${name}}} (known: ${TEMPLATE_TABLES.join(', ')})`
          : `unknown variable {{${name}}} (known: ${[...SCALARS, 'range', 'row.<Table>'].join(', ')})`,
      });
    }
    lines.push({ text: raw, line, inRanges });
  });
  if (inRanges)
    problems.push({ part, line: opened, message: `${BLOCK_OPEN} is not closed by ${BLOCK_CLOSE}` });
  return lines;
};

type Use = { table: string; inRanges: boolean; line: number };

/** Which rows a part writes (onboarding data rows) or removes (cleanup `no` lines), by their index variable. */
const rowUses = (part: TemplatePart, lines: Line[], problems: TemplateProblem[]): Use[] => {
  const uses: Use[] = [];
  let table: string | undefined;
  for (const { text, line, inRanges } of lines) {
    const trimmed = text.trim();
    if (part === 'onboarding') {
      const header = /^\[\s*(\\?)\s*(\w+)\s*\]$/.exec(trimmed);
      if (header) {
        table = header[1] ? undefined : header[2];
        continue;
      }
      if (!table || trimmed === '' || trimmed.startsWith(';') || /^FORMAT\s/i.test(trimmed)) continue;
      const row = /^(\w+)\s+(\S+?)\s*=/.exec(trimmed);
      if (!row) continue; // the INI check reports it
      const canonical = TEMPLATE_TABLES.find((t) => t.toLowerCase() === (row[1] ?? '').toLowerCase());
      if (!canonical || row[2] !== `{{row.${canonical}}}`) {
        problems.push({
          part,
          line,
          message: canonical
            ? `the row index must be {{row.${canonical}}}, so that customers never collide`
            : `Trunkline cannot remove rows of table ${row[1]} (templates may write: ${TEMPLATE_TABLES.join(', ')})`,
        });
        continue;
      }
      uses.push({ table: canonical, inRanges, line });
    } else {
      const no = /^no\s+(.+?)\s+(\S+)$/.exec(trimmed.replace(/\s+/g, ' '));
      if (!no) continue;
      const target = CLI_TABLE_COMMANDS[no[1] ?? ''];
      if (!target) continue; // the CLI check reports it
      if (no[2] !== `{{row.${target}}}`) {
        problems.push({
          part,
          line,
          message: `the index must be {{row.${target}}} (the row onboarding wrote)`,
        });
        continue;
      }
      uses.push({ table: target, inRanges, line });
    }
  }
  return uses;
};

/** How many indexes of each table one customer needs, for a number of ranges. */
export const indexNeeds = (template: SbcTemplate, rangeCount: number): Record<string, number> => {
  const problems: TemplateProblem[] = [];
  const uses = rowUses('onboarding', scan('onboarding', template.onboarding, problems), problems);
  const need: Record<string, number> = {};
  for (const table of new Set(uses.map((u) => u.table))) {
    const own = uses.some((u) => u.table === table && !u.inRanges) ? 1 : 0;
    const perRange = uses.some((u) => u.table === table && u.inRanges) ? rangeCount : 0;
    need[table] = own + perRange;
  }
  return need;
};

const SAFE_VALUE = /^[^"\r\n;{}]*$/;

/** Expands a part; `lines` keep the template line each output line came from. */
const expand = (lines: Line[], values: CustomerValues, indexes: RowIndexes, owns: Set<string>) => {
  const out: { text: string; source: number }[] = [];
  const substitute = (text: string, source: number, rangeAt?: number) =>
    text.replace(TOKEN, (_, name: string) => {
      if (name === 'range') return values.ranges[rangeAt ?? 0] ?? '';
      if (name === 'customerFqdn') return values.customerFqdn;
      if (name === 'shortName') return values.shortName;
      if (name === 'sessionLimit') return String(values.sessionLimit);
      const table = name.slice('row.'.length);
      const list = indexes[table] ?? [];
      const at = rangeAt === undefined ? 0 : (owns.has(table) ? 1 : 0) + rangeAt;
      const index = list[at];
      if (index === undefined)
        throw new TemplateError([
          { part: 'onboarding', line: source, message: `no index allocated for {{${name}}}` },
        ]);
      return String(index);
    });
  let i = 0;
  while (i < lines.length) {
    const current = lines[i]!;
    if (!current.inRanges) {
      out.push({ text: substitute(current.text, current.line), source: current.line });
      i++;
      continue;
    }
    const block: Line[] = [];
    while (i < lines.length && lines[i]!.inRanges) block.push(lines[i++]!);
    values.ranges.forEach((_, r) => {
      for (const l of block) out.push({ text: substitute(l.text, l.line, r), source: l.line });
    });
  }
  return out;
};

const SAMPLE: CustomerValues = {
  customerFqdn: 'woodgrove.sbc1.provider.test',
  shortName: 'woodgrove',
  sessionLimit: 10,
  ranges: ['+4930123[1000-1999]', '+4930123[2000-2999]'],
};

/** Every problem of a template (empty: valid). Unknown variables, block errors, INI/CLI syntax, pairing. */
export const templateProblems = (
  template: Pick<SbcTemplate, 'onboarding' | 'cleanup'>,
): TemplateProblem[] => {
  const problems: TemplateProblem[] = [];
  const onboarding = scan('onboarding', template.onboarding, problems);
  const cleanup = scan('cleanup', template.cleanup, problems);
  if (problems.length > 0) return problems;
  const written = rowUses('onboarding', onboarding, problems);
  const removed = rowUses('cleanup', cleanup, problems);
  const full = { name: '', model: 'shared-trunk' as const, ...template };
  const need = indexNeeds(full, SAMPLE.ranges.length);
  let next = 1;
  const indexes: RowIndexes = Object.fromEntries(
    Object.entries(need).map(([t, n]) => [t, Array.from({ length: n }, () => next++)]),
  );
  for (const u of removed) indexes[u.table] ??= [next++, next++, next++];
  const owns = new Set(written.filter((u) => !u.inRanges).map((u) => u.table));
  const check = (part: TemplatePart, lines: Line[], parse: (text: string) => unknown) => {
    const rendered = expand(lines, SAMPLE, indexes, owns);
    try {
      parse(rendered.map((l) => l.text).join('\n'));
    } catch (e) {
      if (!(e instanceof IniError)) throw e;
      const source = rendered[e.line - 1]?.source ?? lines.at(-1)?.line ?? 1;
      problems.push({ part, line: source, message: e.message.replace(/^line \d+: /, '') });
    }
  };
  check('onboarding', onboarding, parseIni);
  check('cleanup', cleanup, parseCleanupScript);
  if (written.length === 0)
    problems.push({ part: 'onboarding', line: 1, message: 'the template writes no row' });
  const key = (u: Use) => `${u.table}${u.inRanges ? ' (per range)' : ''}`;
  const removedKeys = new Set(removed.map(key));
  const writtenKeys = new Set(written.map(key));
  for (const u of written)
    if (!removedKeys.has(key(u)))
      problems.push({
        part: 'onboarding',
        line: u.line,
        message: `the cleanup template does not remove this ${key(u)} row`,
      });
  for (const u of removed)
    if (!writtenKeys.has(key(u)))
      problems.push({
        part: 'cleanup',
        line: u.line,
        message: `the onboarding template writes no ${key(u)} row`,
      });
  return problems;
};

/** Throws a TemplateError listing every problem. For saving a template. */
export const assertValidTemplate = (template: Pick<SbcTemplate, 'onboarding' | 'cleanup'>) => {
  const problems = templateProblems(template);
  if (problems.length > 0) throw new TemplateError(problems);
};

/**
 * The customer's fragments: the INI to apply and the CLI script that removes it. `indexes` come from
 * `allocateIndexes(indexNeeds(template, ranges.length), …)`. Values must not break the INI quoting.
 */
export const renderTemplate = (template: SbcTemplate, values: CustomerValues, indexes: RowIndexes) => {
  assertValidTemplate(template);
  const bad = [values.customerFqdn, values.shortName, ...values.ranges].find(
    (v) => !SAFE_VALUE.test(v) || v === '',
  );
  if (bad !== undefined)
    throw new TemplateError([
      {
        part: 'onboarding',
        line: 1,
        message: `value ${JSON.stringify(bad)} cannot be written into an INI row`,
      },
    ]);
  if (!Number.isInteger(values.sessionLimit) || values.sessionLimit < 0)
    throw new TemplateError([
      { part: 'onboarding', line: 1, message: 'the session limit must be a whole number ≥ 0' },
    ]);
  const need = indexNeeds(template, values.ranges.length);
  if (values.ranges.length === 0 && template.onboarding.includes(BLOCK_OPEN))
    throw new TemplateError([{ part: 'onboarding', line: 1, message: 'the customer has no number range' }]);
  for (const [table, n] of Object.entries(need))
    if ((indexes[table]?.length ?? 0) !== n)
      throw new TemplateError([
        {
          part: 'onboarding',
          line: 1,
          message: `${table} needs ${n} indexes, got ${indexes[table]?.length ?? 0}`,
        },
      ]);
  const problems: TemplateProblem[] = [];
  const onboarding = scan('onboarding', template.onboarding, problems);
  const owns = new Set(
    rowUses('onboarding', onboarding, problems)
      .filter((u) => !u.inRanges)
      .map((u) => u.table),
  );
  const text = (lines: Line[]) =>
    `${expand(lines, values, indexes, owns)
      .map((l) => l.text)
      .join('\n')
      .trim()}\n`;
  return { onboarding: text(onboarding), cleanup: text(scan('cleanup', template.cleanup, problems)) };
};

/** The template for a model and firmware: the most specific family that prefixes `versionId`, else a generic one. */
export const pickTemplate = (
  templates: SbcTemplate[],
  model: SbcModel,
  versionId: string,
): SbcTemplate | undefined =>
  templates
    .filter((t) => t.model === model && (!t.firmwareFamily || versionId.startsWith(t.firmwareFamily)))
    .sort((a, b) => (b.firmwareFamily?.length ?? 0) - (a.firmwareFamily?.length ?? 0))[0];

/** The customer's call admission profile and its session limit, the same in every default template. */
const CALL_ADMISSION_INI = `[ SBCAdmissionProfile ]
FORMAT Index = Name;
SBCAdmissionProfile {{row.SBCAdmissionProfile}} = "CAC_{{shortName}}";
[ \\SBCAdmissionProfile ]
[ SBCAdmissionRule ]
FORMAT Index = AdmissionProfile, RuleIndex, RequestType, RequestDirection, Limit, LimitPerUser, Rate, MaxBurst, Reservation;
SBCAdmissionRule {{row.SBCAdmissionRule}} = "CAC_{{shortName}}", 0, 1, 0, {{sessionLimit}}, -1, 0, 0, 0;
[ \\SBCAdmissionRule ]
`;

/**
 * The default templates, for the carrier model's base configuration (`sbc.md` §3: `DP_Teams_Tenant`, `PS_Teams`,
 * `SRD_CUSTOMER`, `IPG_SIP_Trunk`, `RP_SIP_Trunk`). The call admission tables (`SBCAdmissionProfile`/`Rule`) are
 * our reading of AudioCodes' "Call Admission Control" (not in the reference). On the shared trunk the customer's
 * profile holds its limit but no shared object can carry a per-customer profile (`sbc.md` §3.12): enforcing it
 * needs a device-side rule the provider adds, or the IP Group model.
 */
export const DEFAULT_TEMPLATES: SbcTemplate[] = [
  {
    name: 'Shared carrier trunk (dial plan)',
    model: 'shared-trunk',
    onboarding: `; Trunkline: {{shortName}} on the shared carrier trunk
${CALL_ADMISSION_INI}[ DialPlanRule ]
FORMAT Index = DialPlanName, RuleIndex, Name, Prefix, Tag;
{{#ranges}}
DialPlanRule {{row.DialPlanRule}} = "DP_Teams_Tenant", {{row.DialPlanRule}}, "{{shortName}}", "{{range}}", "{{customerFqdn}}";
{{/ranges}}
[ \\DialPlanRule ]
`,
    cleanup: `# Trunkline: remove {{shortName}} from the shared carrier trunk
configure voip
{{#ranges}}
no sbc dial-plan-rule {{row.DialPlanRule}}
{{/ranges}}
no sbc cac-rule {{row.SBCAdmissionRule}}
no sbc cac-profile {{row.SBCAdmissionProfile}}
exit
`,
  },
  {
    name: 'IP Group per customer',
    model: 'ip-group-per-customer',
    onboarding: `; Trunkline: {{shortName}} with its own IP Group
${CALL_ADMISSION_INI}[ IPGroup ]
FORMAT Index = Type, Name, ProxySetName, ContactName, SRDName, MediaRealm, ClassifyByProxySet, ProfileName, InboundManSet, OutboundManSet, AlwaysUseSourceAddr, DTLSContext, TopologyLocation, ProxyKeepAliveUsingIPG, AdmissionProfile;
IPGroup {{row.IPGroup}} = 0, "IPG_{{shortName}}", "PS_Teams", "{{customerFqdn}}", "SRD_CUSTOMER", "MR_Teams", 0, "IPP_Teams_MB_Enabled", -1, -1, 1, "default", 1, 1, "CAC_{{shortName}}";
[ \\IPGroup ]
[ Classification ]
FORMAT Index = ClassificationName, MessageConditionName, SRDName, SrcSIPInterfaceName, SrcAddress, DestHost, ActionType, SrcIPGroupName;
Classification {{row.Classification}} = "CLASS_{{shortName}}", "MC_MSFT_Teams_Contact", "SRD_CUSTOMER", "SI_Teams", "52.*.*.*", "{{customerFqdn}}", 1, "IPG_{{shortName}}";
[ \\Classification ]
[ IP2IPRouting ]
FORMAT Index = RouteName, RoutingPolicyName, SrcIPGroupName, DestUsernamePrefix, DestType, DestIPGroupName;
IP2IPRouting {{row.IP2IPRouting}} = "{{shortName}} to SIP Trunk", "RP_SIP_Trunk", "IPG_{{shortName}}", "*", 0, "IPG_SIP_Trunk";
{{#ranges}}
IP2IPRouting {{row.IP2IPRouting}} = "{{shortName}} {{range}}", "RP_SIP_Trunk", "IPG_SIP_Trunk", "{{range}}", 0, "IPG_{{shortName}}";
{{/ranges}}
[ \\IP2IPRouting ]
`,
    cleanup: `# Trunkline: remove {{shortName}}'s IP Group and its rules (referencing rows first)
configure voip
{{#ranges}}
no sbc routing ip2ip-routing {{row.IP2IPRouting}}
{{/ranges}}
no sbc routing ip2ip-routing {{row.IP2IPRouting}}
no sbc classification {{row.Classification}}
no ip-group {{row.IPGroup}}
no sbc cac-rule {{row.SBCAdmissionRule}}
no sbc cac-profile {{row.SBCAdmissionProfile}}
exit
`,
  },
];
