import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateIndexes } from '../../src/sbc/allocation.ts';
import { parseCleanupScript, parseIni } from '../../src/sbc/ini.ts';
import {
  DEFAULT_TEMPLATES,
  indexNeeds,
  pickTemplate,
  renderTemplate,
  TemplateError,
  templateProblems,
  type SbcTemplate,
} from '../../src/sbc/templates.ts';

const [SHARED, IPG] = DEFAULT_TEMPLATES as [SbcTemplate, SbcTemplate];

const WOODGROVE = {
  customerFqdn: 'woodgrove.sbc1.provider.test',
  shortName: 'woodgrove',
  sessionLimit: 12,
  ranges: ['+4930123[1000-1999]', '+4930124'],
};

/** The template with one line of a part replaced (1-based). */
const withLine = (
  t: SbcTemplate,
  part: 'onboarding' | 'cleanup',
  line: number,
  text: string,
): SbcTemplate => {
  const lines = t[part].split('\n');
  lines[line - 1] = text;
  return { ...t, [part]: lines.join('\n') };
};
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('template validation', () => {
  it('accepts the default templates', () => {
    for (const t of DEFAULT_TEMPLATES) expect(templateProblems(t)).toEqual([]);
  });

  it('names the line of an unknown variable', () => {
    const line = lineOf(SHARED.onboarding, 'SBCAdmissionProfile {{row');
    const t = withLine(
      SHARED,
      'onboarding',
      line,
      'SBCAdmissionProfile {{row.SBCAdmissionProfile}} = "CAC_{{tenant}}";',
    );
    expect(templateProblems(t)).toEqual([
      {
        part: 'onboarding',
        line,
        message: expect.stringMatching(/^unknown variable \{\{tenant\}\}/) as string,
      },
    ]);
    expect(() => renderTemplate(t, WOODGROVE, {})).toThrow(TemplateError);
    expect(() => renderTemplate(t, WOODGROVE, {})).toThrow(
      `onboarding template, line ${line}: unknown variable {{tenant}}`,
    );
  });

  it('names the line of an unknown table, {{range}} outside a ranges block, and an unclosed block', () => {
    expect(templateProblems(withLine(SHARED, 'cleanup', 2, 'no ip-group {{row.IPGroups}}'))).toEqual([
      {
        part: 'cleanup',
        line: 2,
        message: expect.stringMatching(/^unknown table in \{\{row.IPGroups\}\}/) as string,
      },
    ]);
    expect(templateProblems(withLine(SHARED, 'onboarding', 1, '; {{range}}'))[0]).toMatchObject({
      part: 'onboarding',
      line: 1,
      message: expect.stringMatching(/only known inside/) as string,
    });
    const close = lineOf(SHARED.cleanup, '{{/ranges}}');
    const open = lineOf(SHARED.cleanup, '{{#ranges}}');
    expect(templateProblems(withLine(SHARED, 'cleanup', close, ''))).toEqual([
      { part: 'cleanup', line: open, message: '{{#ranges}} is not closed by {{/ranges}}' },
    ]);
  });

  it('maps an INI syntax error of the rendered text back to the template line', () => {
    const line = lineOf(SHARED.onboarding, 'DialPlanRule {{row');
    const broken = withLine(
      SHARED,
      'onboarding',
      line,
      SHARED.onboarding.split('\n')[line - 1]!.replace(/;$/, ''),
    );
    expect(templateProblems(broken)).toEqual([
      { part: 'onboarding', line, message: 'a table line must end with ";"' },
    ]);
  });

  it('refuses a fixed row index and a cleanup that does not remove what onboarding writes', () => {
    const line = lineOf(SHARED.onboarding, 'SBCAdmissionProfile {{row');
    expect(
      templateProblems(withLine(SHARED, 'onboarding', line, 'SBCAdmissionProfile 7 = "CAC_{{shortName}}";')),
    ).toContainEqual({
      part: 'onboarding',
      line,
      message: 'the row index must be {{row.SBCAdmissionProfile}}, so that customers never collide',
    });
    const cac = lineOf(SHARED.cleanup, 'no sbc cac-profile');
    expect(templateProblems(withLine(SHARED, 'cleanup', cac, ''))).toEqual([
      {
        part: 'onboarding',
        line,
        message: 'the cleanup template does not remove this SBCAdmissionProfile row',
      },
    ]);
  });
});

describe('rendering', () => {
  it('renders the shared trunk for a customer with two ranges', () => {
    const indexes = { SBCAdmissionProfile: [100], SBCAdmissionRule: [101], DialPlanRule: [100, 102] };
    expect(indexNeeds(SHARED, 2)).toEqual({ SBCAdmissionProfile: 1, SBCAdmissionRule: 1, DialPlanRule: 2 });
    const { onboarding, cleanup } = renderTemplate(SHARED, WOODGROVE, indexes);
    expect(onboarding).toContain(
      'DialPlanRule 100 = "DP_Teams_Tenant", 100, "woodgrove", "+4930123[1000-1999]", "woodgrove.sbc1.provider.test";\n' +
        'DialPlanRule 102 = "DP_Teams_Tenant", 102, "woodgrove", "+4930124", "woodgrove.sbc1.provider.test";\n',
    );
    expect(onboarding).toContain('SBCAdmissionRule 101 = "CAC_woodgrove", 0, 1, 0, 12, -1, 0, 0, 0;');
    expect(parseCleanupScript(cleanup).map((d) => `${d.table} ${d.index}`)).toEqual([
      'DialPlanRule 100',
      'DialPlanRule 102',
      'SBCAdmissionRule 101',
      'SBCAdmissionProfile 100',
    ]);
  });

  it('refuses values that would break the INI, and missing indexes', () => {
    const indexes = { SBCAdmissionProfile: [100], SBCAdmissionRule: [100], DialPlanRule: [100, 101] };
    expect(() => renderTemplate(SHARED, { ...WOODGROVE, shortName: 'wood"grove' }, indexes)).toThrow(
      /cannot be written/,
    );
    expect(() => renderTemplate(SHARED, WOODGROVE, { ...indexes, DialPlanRule: [100] })).toThrow(
      /needs 2 indexes/,
    );
    expect(() => renderTemplate(SHARED, { ...WOODGROVE, ranges: [] }, indexes)).toThrow(/no number range/);
  });

  it('picks the most specific firmware family', () => {
    const v74 = { ...SHARED, name: '7.4', firmwareFamily: '7.4' };
    expect(pickTemplate([SHARED, v74], 'shared-trunk', '7.40A.500.775')).toBe(v74);
    expect(pickTemplate([SHARED, v74], 'shared-trunk', '7.20A.260.012')).toBe(SHARED);
    expect(pickTemplate([SHARED], 'ip-group-per-customer', '7.40A')).toBeUndefined();
  });

  it('cleanup removes exactly the rows onboarding writes, for any customer and both models', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(SHARED, IPG),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        fc.array(fc.stringMatching(/^\+[1-9]\d{3,10}(\[\d{2}-\d{2}\])?$/), { minLength: 1, maxLength: 6 }),
        fc.nat(1000),
        (template, shortName, ranges, sessionLimit) => {
          const indexes = allocateIndexes({ need: indexNeeds(template, ranges.length), used: {} });
          const values = { customerFqdn: `${shortName}.sbc1.provider.test`, shortName, sessionLimit, ranges };
          const { onboarding, cleanup } = renderTemplate(template, values, indexes);
          const written = parseIni(onboarding).flatMap((s) => s.rows.map((r) => `${s.table} ${r.index}`));
          const removed = parseCleanupScript(cleanup).map((d) => `${d.table} ${d.index}`);
          expect(new Set(written).size).toBe(written.length);
          expect([...removed].sort()).toEqual([...written].sort());
          expect(written).toEqual(
            expect.arrayContaining(
              Object.entries(indexes).flatMap(([t, list]) => list.map((i) => `${t} ${i}`)),
            ),
          );
        },
      ),
    );
  });
});
