import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IniError, formatSections, parseCleanupScript, parseIni } from '../../src/sbc/ini.ts';
import type { SbcTables } from '../../src/sbc/sbc-device.ts';
import { planApply, planRemove } from '../../src/sbc/sync.ts';

describe('INI text', () => {
  it('reads back what it writes, for any rows', () => {
    const value = fc.stringMatching(/^[A-Za-z0-9+*.[\]\- ,:']{0,25}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ index: fc.nat(99_999), a: value, b: value }), {
          selector: (r) => r.index,
          minLength: 1,
          maxLength: 10,
        }),
        (rows) => {
          const section = {
            table: 'DialPlanRule',
            format: ['Name', 'Prefix'],
            rows: rows.map((r) => ({ index: r.index, values: { Name: r.a, Prefix: r.b }, line: 0 })),
          };
          const [parsed] = parseIni(formatSections([section]));
          expect(parsed!.rows.map((r) => ({ index: r.index, values: r.values }))).toEqual(
            section.rows.map((r) => ({ index: r.index, values: r.values })),
          );
        },
      ),
    );
  });

  it('skips parameter sections and comments, and names the line of an error', () => {
    const text =
      '[SYSTEM Params]\nSyslogServerIP = 0.0.0.0\n; c\n[ DialPlan ]\nFORMAT Index = Name;\nDialPlan 0 = "DP";\n[ \\DialPlan ]\n';
    expect(parseIni(text)).toMatchObject([
      { table: 'DialPlan', rows: [{ index: 0, values: { Name: 'DP' }, line: 6 }] },
    ]);
    expect(() => parseIni(text.replace('"DP";', '"DP", 1;'))).toThrow(
      new IniError(6, '2 values where the FORMAT line of DialPlan has 1 columns'),
    );
    expect(() => parseCleanupScript('no ip-group 1\n')).toThrow(/line 1: expected "configure voip"/);
    expect(() => parseCleanupScript('configure voip\nno ip-group 1\n')).toThrow(/does not end with "exit"/);
  });
});

describe('plans against the tables a device reports', () => {
  const fragment =
    '[ DialPlanRule ]\nFORMAT Index = DialPlanName, Prefix, Tag;\nDialPlanRule 100 = "DP", "+491", "a.test";\nDialPlanRule 101 = "DP", "+492", "a.test";\n[ \\DialPlanRule ]\n';
  const cleanup = 'configure voip\nno sbc dial-plan-rule 100\nno sbc dial-plan-rule 101\nexit\n';

  it('writes only rows the device does not hold with the same values (columns case-insensitive)', () => {
    const tables: SbcTables = {
      DialPlanRule: [
        { index: 100, values: { dialplanname: 'DP', PREFIX: '+491', Tag: 'a.test', Name: 'extra' } },
        { index: 101, values: { DialPlanName: 'DP', Prefix: '+492', Tag: 'other.test' } },
      ],
    };
    const plan = planApply(fragment, tables);
    expect(plan.rows).toEqual([{ table: 'DialPlanRule', index: 101 }]);
    expect(plan.text).toBe(
      '[ DialPlanRule ]\nFORMAT Index = DialPlanName, Prefix, Tag;\nDialPlanRule 101 = "DP", "+492", "a.test";\n[ \\DialPlanRule ]\n',
    );
    // Cleanup removes 100 (still ours), leaves 101 (changed by someone else).
    expect(planRemove(cleanup, fragment, tables)).toEqual({
      script: 'configure voip\nno sbc dial-plan-rule 100\nexit\n',
      removed: [{ table: 'DialPlanRule', index: 100 }],
      foreign: [{ table: 'DialPlanRule', index: 101 }],
    });
  });
});
