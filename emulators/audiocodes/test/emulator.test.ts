import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAudioCodesEmulator, type AudioCodesEmulator } from '../src/index.ts';

/**
 * The emulator over real HTTP, as a client (curl, the product's adapter) talks to a Mediant: Basic auth,
 * multipart uploads with the part `file`, and the device's strictness about INI tables.
 */

let sbc: AudioCodesEmulator;
const AUTH = `Basic ${Buffer.from('Admin:Admin').toString('base64')}`;

beforeAll(async () => {
  sbc = await startAudioCodesEmulator({
    users: [
      { username: 'Admin', password: 'Admin', privilege: 'admin' },
      { username: 'Monitor', password: 'look', privilege: 'monitor' },
    ],
  });
});
afterAll(() => sbc.stop());
beforeEach(() => sbc.control.reset());

const upload = (path: string, text: string, auth = AUTH, part = 'file') => {
  const form = new FormData();
  form.set(part, new Blob([text], { type: 'application/octet-stream' }), 'trunkline.ini');
  return fetch(`${sbc.url}/api/v1/files/${path}`, {
    method: 'PUT',
    body: form,
    headers: { authorization: auth },
  });
};
const ini = (text: string) => upload('ini/incremental', text);
const cli = (text: string) => upload('cliScript/incremental', text);

const RULE = (
  index: number,
  prefix: string,
  tag = 'woodgrove.sbc1.provider.test',
  plan = 'DP_Teams_Tenant',
) =>
  `[ DialPlanRule ]
FORMAT Index = DialPlanName, RuleIndex, Name, Prefix, Tag;
DialPlanRule ${index} = "${plan}", ${index}, "woodgrove", "${prefix}", "${tag}";
[ \\DialPlanRule ]
`;

describe('authentication', () => {
  it('answers 401 with a Basic challenge without or with wrong credentials', async () => {
    for (const headers of [{}, { authorization: `Basic ${Buffer.from('Admin:nope').toString('base64')}` }]) {
      const res = await fetch(`${sbc.url}/api/v1/status`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    }
  });

  it('lets a monitor user read but not write (403)', async () => {
    const monitor = `Basic ${Buffer.from('Monitor:look').toString('base64')}`;
    expect((await fetch(`${sbc.url}/api/v1/status`, { headers: { authorization: monitor } })).status).toBe(
      200,
    );
    expect((await upload('ini/incremental', RULE(100, '+4930123[1000-1999]'), monitor)).status).toBe(403);
  });
});

describe('status and save', () => {
  it('reports the device and whether a save is needed', async () => {
    const read = async () =>
      (await (
        await fetch(`${sbc.url}/api/v1/status`, { headers: { authorization: AUTH } })
      ).json()) as Record<string, unknown>;
    const before = await read();
    expect(before).toMatchObject({ productType: 'Mediant VE SBC', saveNeeded: false, resetNeeded: false });
    expect(before.versionID).toMatch(/^7\.40A/);
    expect((await ini(RULE(100, '+4930123[1000-1999]'))).status).toBe(200);
    expect((await read()).saveNeeded).toBe(true);
    const save = await fetch(`${sbc.url}/api/v1/actions/saveConfiguration`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-length': '0' },
    });
    expect(save.status).toBe(200);
    expect((await read()).saveNeeded).toBe(false);
  });
});

describe('incremental INI', () => {
  it('adds a row, overwrites it by index, and keeps the other tables', async () => {
    const base = sbc.control.tables();
    const res = await ini(RULE(100, '+4930123[1000-1999]'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      description: 'Incremental INI file was loaded.',
      changedRows: 1,
    });
    expect((await ini(RULE(100, '+4930123[2000-2999]'))).status).toBe(200);
    const rules = sbc.control.tables().DialPlanRule!;
    expect(rules).toEqual([
      {
        index: 100,
        values: {
          DialPlanName: 'DP_Teams_Tenant',
          RuleIndex: '100',
          Name: 'woodgrove',
          Prefix: '+4930123[2000-2999]',
          Tag: 'woodgrove.sbc1.provider.test',
        },
      },
    ]);
    expect({ ...sbc.control.tables(), DialPlanRule: [] }).toEqual(base);
  });

  it('rejects a row that references a missing object, naming the line, and changes nothing', async () => {
    const text = `${RULE(100, '+4930123[1000-1999]')}${RULE(101, '+4930124', 'x.test', 'DP_Missing')}`;
    const res = await ini(text);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { description: string; line: number; output: string };
    expect(body.line).toBe(7);
    expect(body.output).toMatch(/DialPlanName "DP_Missing" references a DialPlan that does not exist/);
    expect(sbc.control.tables().DialPlanRule).toEqual([]);
    expect(sbc.control.saveNeeded).toBe(false);
  });

  it('accepts a referenced object defined earlier in the same file, not later (dependency order)', async () => {
    const plan = `[ DialPlan ]\nFORMAT Index = Name;\nDialPlan 5 = "DP_New";\n[ \\DialPlan ]\n`;
    const rule = RULE(100, '+4930123', 'x.test', 'DP_New');
    expect((await ini(rule + plan)).status).toBe(400);
    expect((await ini(plan + rule)).status).toBe(200);
  });

  it.each([
    [
      'an unknown column',
      'FORMAT Index = DialPlanName, RuleIndex, Name, Prefix, Target;',
      /Target is not a column/,
    ],
    [
      'a missing required column',
      'FORMAT Index = DialPlanName, RuleIndex, Name, Tag;',
      /lacks column Prefix/,
    ],
    ['a column twice', 'FORMAT Index = DialPlanName, Name, Name, Prefix, Tag;', /names column Name twice/],
    ['no Index', 'FORMAT Key = DialPlanName, RuleIndex, Name, Prefix, Tag;', /must start with "Index ="/],
  ])('rejects a FORMAT line with %s', async (_, format, message) => {
    const columns = format.split(',').length;
    const values = ['"DP_Teams_Tenant"', '100', '"woodgrove"', '"+4930123"', '"x.test"']
      .slice(0, columns)
      .join(', ');
    const res = await ini(`[ DialPlanRule ]\n${format}\nDialPlanRule 100 = ${values};\n[ \\DialPlanRule ]\n`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { output: string }).output).toMatch(message);
  });

  it.each([
    [
      'too few values',
      RULE(100, '+49').replace(', "woodgrove.sbc1.provider.test"', ''),
      /4 values where the FORMAT line/,
    ],
    ['an unclosed table', RULE(100, '+49').replace('[ \\DialPlanRule ]', ''), /is not closed/],
    ['a row twice', RULE(100, '+49').replace(/(DialPlanRule 100.*\n)/, '$1$1'), /appears twice/],
    [
      'an unknown table',
      RULE(100, '+49').replaceAll('DialPlanRule', 'DialPlanRules'),
      /unknown table DialPlanRules/,
    ],
    [
      'a text in an integer column',
      RULE(100, '+49').replace(', 100,', ', ten,'),
      /RuleIndex must be an integer/,
    ],
    ['a row without ";"', RULE(100, '+49').replace(/;\n\[ \\/, '\n[ \\'), /must end with ";"/],
    [
      'a duplicate IP Group name',
      `[ IPGroup ]\nFORMAT Index = Type, Name, ProxySetName;\nIPGroup 7 = 0, "IPG_Teams", "PS_Teams";\n[ \\IPGroup ]\n`,
      /already used by IPGroup 1/,
    ],
  ])('rejects %s', async (_, text, message) => {
    const res = await ini(text);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { output: string }).output).toMatch(message);
  });

  it('names the FORMAT line even after comments, and accepts a parameter section', async () => {
    const res = await ini(
      '[SYSTEM Params]\nSyslogServerIP = 0.0.0.0\n[ DialPlan ]\n; plans\nFORMAT Index = Title;\n[ \\DialPlan ]\n',
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      line: 5,
      output: 'line 5: FORMAT column Title is not a column of table DialPlan',
    });
  });

  it('refuses to rename a row that others reference', async () => {
    const res = await ini(`[ DialPlan ]\nFORMAT Index = Name;\nDialPlan 0 = "DP_Other";\n[ \\DialPlan ]\n`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { output: string }).output).toMatch(
      /cannot rename "DP_Teams_Tenant", used by CallSetupRules 0/,
    );
  });

  it('needs multipart/form-data with a part named file', async () => {
    expect((await upload('ini/incremental', RULE(100, '+49'), AUTH, 'upload')).status).toBe(400);
    const raw = await fetch(`${sbc.url}/api/v1/files/ini/incremental`, {
      method: 'PUT',
      body: RULE(100, '+49'),
      headers: { authorization: AUTH, 'content-type': 'text/plain' },
    });
    expect(raw.status).toBe(400);
    expect(sbc.control.tables().DialPlanRule).toEqual([]);
  });
});

describe('full INI', () => {
  it('downloads the configuration, and refuses a full upload (which would reset a device)', async () => {
    await ini(RULE(100, '+4930123[1000-1999]'));
    const download = await fetch(`${sbc.url}/api/v1/files/ini`, { headers: { authorization: AUTH } });
    expect(download.status).toBe(200);
    const text = await download.text();
    expect(text).toContain('DialPlanRule 100 = "DP_Teams_Tenant", 100, "woodgrove", "+4930123[1000-1999]"');
    const put = await upload('ini', text);
    expect(put.status).toBe(403);
    expect(((await put.json()) as { description: string }).description).toMatch(/reset/);
  });
});

describe('incremental CLI script', () => {
  it('deletes rows with "no", and reports errors in its output', async () => {
    await ini(RULE(100, '+4930123[1000-1999]'));
    const ok = await cli('configure voip\nno sbc dial-plan-rule 100\nexit\n');
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { description: string; output: string };
    expect(body.description).toBe('Incremental CLI Script file was loaded.');
    expect(body.output).not.toMatch(/Error/);
    expect(sbc.control.tables().DialPlanRule).toEqual([]);

    const missing = (await (await cli('configure voip\nno sbc dial-plan-rule 100\nexit\n')).json()) as {
      output: string;
    };
    expect(missing.output).toMatch(/Error: DialPlanRule row 100 does not exist/);
    const used = (await (await cli('configure voip\nno sbc dial-plan 0\nexit\n')).json()) as {
      output: string;
    };
    expect(used.output).toMatch(/Error: DialPlan row 0 is used by CallSetupRules 0/);
    const unknown = (await (await cli('configure voip\nno sbc nonsense 1\nexit\n')).json()) as {
      output: string;
    };
    expect(unknown.output).toMatch(/Error: Invalid command/);
    expect(sbc.control.tables().DialPlan).toHaveLength(1);
  });
});

describe('HA synchronization', () => {
  it('answers 409 to writes while it runs, and accepts afterwards', async () => {
    const put = await fetch(`${sbc.controlUrl}/ha-sync`, {
      method: 'PUT',
      body: JSON.stringify({ active: true }),
    });
    expect(put.status).toBe(204);
    expect((await ini(RULE(100, '+49'))).status).toBe(409);
    const save = await fetch(`${sbc.url}/api/v1/actions/saveConfiguration`, {
      method: 'POST',
      headers: { authorization: AUTH },
    });
    expect(save.status).toBe(409);
    const status = (await (
      await fetch(`${sbc.url}/api/v1/status`, { headers: { authorization: AUTH } })
    ).json()) as {
      highAvailability: string;
    };
    expect(status.highAvailability).toBe('Synchronizing');
    sbc.control.setHaSync(false);
    expect((await ini(RULE(100, '+49'))).status).toBe(200);
  });

  it('answers 409 to the next n writes only', async () => {
    sbc.control.conflictNext(2);
    expect((await ini(RULE(100, '+49'))).status).toBe(409);
    expect((await ini(RULE(100, '+49'))).status).toBe(409);
    expect((await ini(RULE(100, '+49'))).status).toBe(200);
    expect(sbc.control.requests.map((r) => r.status)).toEqual([409, 409, 200]);
  });
});

describe('control API', () => {
  it('reads the tables and resets over HTTP', async () => {
    await ini(RULE(100, '+49'));
    const tables = (await (await fetch(`${sbc.controlUrl}/tables`)).json()) as Record<string, unknown[]>;
    expect(tables.DialPlanRule).toHaveLength(1);
    expect((await fetch(`${sbc.controlUrl}/reset`, { method: 'POST' })).status).toBe(204);
    expect(sbc.control.tables().DialPlanRule).toEqual([]);
  });
});

describe('routes', () => {
  it('answers the API probe, 404 for unknown paths and 405 for a wrong method', async () => {
    const get = (path: string, method = 'GET') =>
      fetch(`${sbc.url}${path}`, { method, headers: { authorization: AUTH } });
    expect(await (await get('/api/')).json()).toEqual({ versions: ['v1'] });
    expect((await get('/api/v1/nothing')).status).toBe(404);
    expect((await get('/api/v1/status', 'DELETE')).status).toBe(405);
    expect((await get('/api/v1/actions/saveConfiguration')).status).toBe(405);
  });
});

describe('round trip', () => {
  it('gives back in the full INI exactly the rows an incremental INI wrote', async () => {
    const value = fc.stringMatching(/^[A-Za-z0-9+*.[\]\- ]{0,30}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            index: fc.integer({ min: 0, max: 99_999 }),
            prefix: fc.stringMatching(/^\+?\d[\d[\]-]{0,20}$/),
            tag: value,
            name: value,
          }),
          {
            selector: (r) => r.index,
            minLength: 1,
            maxLength: 20,
          },
        ),
        async (rows) => {
          sbc.control.reset();
          const text = [
            '[ DialPlanRule ]',
            'FORMAT Index = DialPlanName, RuleIndex, Name, Prefix, Tag;',
            ...rows.map(
              (r) =>
                `DialPlanRule ${r.index} = "DP_Teams_Tenant", ${r.index}, "${r.name}", "${r.prefix}", "${r.tag}";`,
            ),
            '[ \\DialPlanRule ]',
          ].join('\r\n');
          const res = await ini(text);
          expect(res.status).toBe(200);
          const full = await (
            await fetch(`${sbc.url}/api/v1/files/ini`, { headers: { authorization: AUTH } })
          ).text();
          const lines = full.split('\r\n').filter((l) => l.startsWith('DialPlanRule '));
          const expected = [...rows]
            .sort((a, b) => a.index - b.index)
            .map(
              (r) =>
                `DialPlanRule ${r.index} = "DP_Teams_Tenant", ${r.index}, "${r.name}", "${r.prefix}", "${r.tag}";`,
            );
          expect(lines).toEqual(expected);
        },
      ),
      { numRuns: 30 },
    );
  });
});
