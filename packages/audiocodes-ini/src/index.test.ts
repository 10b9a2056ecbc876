import { describe, expect, it } from 'vitest';
import { IniError, parseIni } from './index.ts';

describe('AudioCodes INI reader', () => {
  it('reads tables, quoted values with commas, and parameters under a parameter section', () => {
    const text =
      '[SYSTEM Params]\r\nSyslogServerIP = "0.0.0.0"\r\n; a comment\r\n[ DialPlan ]\r\nFORMAT Index = Name, Prefix;\r\nDialPlan 3 = "a, b", 49 ; trailing\r\n[ \\DialPlan ]\r\n';
    expect(parseIni(text)).toEqual({
      parameters: [{ name: 'SyslogServerIP', value: '0.0.0.0', line: 2 }],
      sections: [
        {
          table: 'DialPlan',
          format: ['Name', 'Prefix'],
          rows: [{ index: 3, values: ['a, b', '49'], line: 6 }],
          line: 4,
          formatLine: 5,
        },
      ],
    });
  });

  it.each([
    ['[ DialPlan ]\nDialPlan 0 = "x";\n[ \\DialPlan ]', 2, /row before the FORMAT line/],
    ['[ DialPlan ]\nFORMAT Key = Name;\n[ \\DialPlan ]', 2, /must start with "Index ="/],
    ['[ DialPlan ]\nFORMAT Index = Name;\nDialPlan 0 = "x"\n[ \\DialPlan ]', 3, /must end with ";"/],
    ['[ DialPlan ]\nFORMAT Index = Name;\nDialPlan 0 = "x", 1;\n[ \\DialPlan ]', 3, /2 values where/],
    [
      '[ DialPlan ]\nFORMAT Index = Name;\nDialPlan 0 = "x;\n[ \\DialPlan ]',
      3,
      /must end with ";"|unterminated/,
    ],
    ['[ \\DialPlan ]', 1, /closes a table that is not open/],
    ['[ DialPlan ]\nFORMAT Index = Name;', 2, /is not closed/],
    ['just words', 1, /expected "\[ Table \]"/],
  ])('refuses %j at line %i', (text, line, message) => {
    let error: unknown;
    try {
      parseIni(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IniError);
    expect((error as IniError).line).toBe(line);
    expect((error as IniError).message).toMatch(message);
  });
});
