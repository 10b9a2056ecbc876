import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAudioCodesEmulator, type AudioCodesEmulator } from '../src/index.ts';

/** The `stateFile` option: the device's tables, changed over its REST API, survive a restart. */

const dir = mkdtempSync(path.join(tmpdir(), 'audiocodes-state-'));
const AUTH = `Basic ${Buffer.from('trunkline:secret').toString('base64')}`;
let n = 0;
const running = new Set<AudioCodesEmulator>();
afterAll(async () => {
  await Promise.all([...running].map((e) => e.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const start = async (file: string) => {
  const sbc = await startAudioCodesEmulator({
    users: [{ username: 'trunkline', password: 'secret', privilege: 'admin' }],
    stateFile: file,
  });
  running.add(sbc);
  return sbc;
};
const stop = async (sbc: AudioCodesEmulator) => {
  await sbc.stop();
  running.delete(sbc);
};

const upload = (sbc: AudioCodesEmulator, kind: 'ini' | 'cliScript', text: string) => {
  const form = new FormData();
  form.set('file', new Blob([text], { type: 'application/octet-stream' }), 'trunkline.ini');
  return fetch(`${sbc.url}/api/v1/files/${kind}/incremental`, {
    method: 'PUT',
    body: form,
    headers: { authorization: AUTH },
  });
};
const RULE = `[ DialPlanRule ]
FORMAT Index = DialPlanName, RuleIndex, Name, Prefix, Tag;
DialPlanRule 100 = "DP_Teams_Tenant", 100, "woodgrove", "+4930123[1000-1999]", "woodgrove.sbc1.provider.test";
[ \\DialPlanRule ]
`;
const status = async (sbc: AudioCodesEmulator) =>
  (await (await fetch(`${sbc.url}/api/v1/status`, { headers: { authorization: AUTH } })).json()) as {
    saveNeeded: boolean;
  };
const rule100 = (sbc: AudioCodesEmulator) => sbc.control.tables().DialPlanRule?.find((r) => r.index === 100);

describe('stateFile', () => {
  it('keeps the tables (and a pending save) across a restart', async () => {
    const file = path.join(dir, `${++n}`, 'audiocodes.json');
    const first = await start(file);
    expect((await upload(first, 'ini', RULE)).status).toBe(200);
    const before = first.control.tables();
    expect(rule100(first)?.values.Prefix).toBe('+4930123[1000-1999]');
    await expect
      .poll(() => (existsSync(file) ? readFileSync(file, 'utf8') : ''), { timeout: 3000 })
      .toContain('+4930123[1000-1999]');
    await stop(first);

    const second = await start(file);
    expect(second.control.tables()).toEqual(before);
    expect((await status(second)).saveNeeded).toBe(true);
    const ini = await (
      await fetch(`${second.url}/api/v1/files/ini`, { headers: { authorization: AUTH } })
    ).text();
    expect(ini).toContain('"+4930123[1000-1999]"');
    // A row deleted through the CLI stays deleted after the next restart; a save is remembered too.
    expect(
      (await upload(second, 'cliScript', 'configure voip\nno sbc dial-plan-rule 100\nexit\n')).status,
    ).toBe(200);
    expect(rule100(second)).toBeUndefined();
    const save = await fetch(`${second.url}/api/v1/actions/saveConfiguration`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-length': '0' },
    });
    expect(save.status).toBe(200);
    await stop(second);

    const third = await start(file);
    expect(rule100(third)).toBeUndefined();
    expect((await status(third)).saveNeeded).toBe(false);
    await stop(third);
  });

  for (const [what, content] of [
    ['not JSON', '{"format":"trunkline-audiocodes-emulator","ver'],
    [
      'an INI the device refuses',
      JSON.stringify({
        format: 'trunkline-audiocodes-emulator',
        version: 1,
        state: {
          ini: '[ NoSuchTable ]\nFORMAT Index = Name;\nNoSuchTable 0 = "x";\n[ \\NoSuchTable ]\n',
          saveNeeded: false,
        },
      }),
    ],
  ] as const) {
    it(`sets a file that is ${what} aside and starts from the base configuration`, async () => {
      const file = path.join(dir, `${++n}`, 'audiocodes.json');
      const fresh = await start(file);
      const base = fresh.control.tables();
      await stop(fresh);
      writeFileSync(file, content);
      const sbc = await start(file);
      const kept = readdirSync(path.dirname(file)).filter((f) => f.startsWith('audiocodes.json.corrupt-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(path.join(path.dirname(file), kept[0]!), 'utf8')).toBe(content);
      expect(sbc.control.tables()).toEqual(base);
      await stop(sbc);
    });
  }
});
