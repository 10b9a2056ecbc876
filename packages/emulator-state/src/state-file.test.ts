import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateFile, type StateFileOptions } from './index.ts';

type State = { n: number };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const setup = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'emulator-state-'));
  dirs.push(dir);
  const file = path.join(dir, 'sub', 'state.json');
  const messages: string[] = [];
  let state: State = { n: 0 };
  const options = (over: Partial<StateFileOptions<State>> = {}): StateFileOptions<State> => ({
    file,
    format: 'test-emulator',
    version: 1,
    validate(s) {
      if (typeof s !== 'object' || s === null || typeof (s as State).n !== 'number') throw new Error('no n');
      return s as State;
    },
    snapshot: () => state,
    warn: (m) => messages.push(m),
    ...over,
  });
  return { dir, file, messages, options, set: (s: State) => (state = s) };
};

describe('openStateFile', () => {
  it('writes the state on close and reads it back at the next start', () => {
    const t = setup();
    const first = openStateFile(t.options());
    expect(first.loaded).toBeUndefined();
    t.set({ n: 7 });
    first.changed();
    first.close();
    const doc = JSON.parse(readFileSync(t.file, 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject({ format: 'test-emulator', version: 1, state: { n: 7 } });
    expect(statSync(t.file).mode & 0o777).toBe(0o600);
    const second = openStateFile(t.options());
    expect(second.loaded).toEqual({ n: 7 });
    expect(second.setAside).toBeUndefined();
    expect(t.messages).toEqual([]);
  });

  it('does not rewrite a state that did not change since it was read', () => {
    const t = setup();
    t.set({ n: 1 });
    openStateFile(t.options()).close();
    const before = readFileSync(t.file, 'utf8');
    writeFileSync(t.file, before.replace(/"savedAt":"[^"]*"/, '"savedAt":"then"'));
    openStateFile(t.options()).close();
    expect(readFileSync(t.file, 'utf8')).toContain('"savedAt":"then"');
  });

  it.each([
    ['not JSON', '{', /JSON/],
    ['another format', '{"format":"other","version":1,"state":{"n":1}}', /format is "other"/],
    ['another version', '{"format":"test-emulator","version":2,"state":{"n":1}}', /version 2 is not 1/],
    ['a state validate refuses', '{"format":"test-emulator","version":1,"state":{}}', /no n/],
  ])('sets aside %s and starts fresh', (_, text, reason) => {
    const t = setup();
    openStateFile(t.options()).close();
    writeFileSync(t.file, text);
    const opened = openStateFile(t.options());
    expect(opened.loaded).toBeUndefined();
    expect(opened.setAside).toMatch(/state\.json\.corrupt-/);
    expect(readFileSync(opened.setAside!, 'utf8')).toBe(text);
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatch(reason);
    expect(t.messages[0]).toContain('the emulator starts fresh');
    opened.close();
    expect(JSON.parse(readFileSync(t.file, 'utf8'))).toMatchObject({ state: { n: 0 } });
  });

  it('reports a write that fails instead of throwing', () => {
    const t = setup();
    const blocker = path.join(t.dir, 'blocker');
    writeFileSync(blocker, '');
    const opened = openStateFile(t.options({ file: path.join(blocker, 'state.json') }));
    expect(() => opened.close()).not.toThrow();
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatch(/^test-emulator: could not write /);
    expect(readdirSync(t.dir)).toEqual(['blocker']);
  });
});
