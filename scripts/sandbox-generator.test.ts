import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_SBC_ZONE, sandboxCallGenerator, startSandbox, type Sandbox } from './sandbox.ts';

/**
 * The sandbox's Teams call generator (the M365 emulator's, `emulators/m365/src/call-generator.ts`): on by default
 * with the sandbox's SBC zone, `SANDBOX_QOE_GENERATOR=off|on` switches it at start, and without the variable a
 * restart keeps what the control API set last (the emulator's state file).
 */

const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-generator-'));
const running = new Set<Sandbox>();
afterAll(async () => {
  await Promise.all([...running].map((s) => s.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

const BASE = {
  DATA_DIR: dataDir,
  SMTP_URL: 'smtp://127.0.0.1:9',
  SANDBOX_DNS_PORT: '0',
  SANDBOX_AUDIOCODES_PORT: '0',
  SANDBOX_AUDIOCODES_SIP_PORT: '0',
  SANDBOX_M365_PORT: '0',
  SANDBOX_M365_REPLICATION_SECONDS: '0',
  SANDBOX_M365_ACTIVATION_DELAY_SECONDS: '0',
};

/** Starts the sandbox, reads the generator's state over the control API, stops it again. */
const generatorAt = async (env: Record<string, string> = {}) => {
  const s = await startSandbox({ ...BASE, ...env });
  running.add(s);
  try {
    const res = await fetch(`${s.env.ENTRA_AUTHORITY}/_control/call-generator`);
    expect(res.status).toBe(200);
    return { status: (await res.json()) as Record<string, unknown>, describe: s.describe.join('\n'), s };
  } finally {
    await s.stop();
    running.delete(s);
  }
};

describe('sandbox call generator', () => {
  it('is on by default with the SBC zone, and says so', async () => {
    const { status, describe } = await generatorAt();
    expect(status).toMatchObject({
      enabled: true,
      running: true,
      sbcZone: SANDBOX_SBC_ZONE,
      minIntervalSeconds: 20,
      maxIntervalSeconds: 60,
    });
    expect(describe).toMatch(/Teams call generator \(emulator\)\s+on: a call every 20–60 s/);
  });

  it('SANDBOX_QOE_GENERATOR=off turns it off; a restart without it keeps that; =on turns it on', async () => {
    expect((await generatorAt({ SANDBOX_QOE_GENERATOR: 'off' })).status).toMatchObject({ enabled: false });
    const kept = await generatorAt();
    expect(kept.status).toMatchObject({ enabled: false, running: false });
    expect(kept.describe).toMatch(/Teams call generator \(emulator\)\s+off/);
    expect((await generatorAt({ SANDBOX_QOE_GENERATOR: 'on' })).status).toMatchObject({ enabled: true });
  });

  it('refuses a value that is neither on nor off', () => {
    expect(sandboxCallGenerator({ SANDBOX_QOE_GENERATOR: 'OFF' })).toBe(false);
    expect(sandboxCallGenerator({ SANDBOX_QOE_GENERATOR: '1' })).toBe(true);
    expect(sandboxCallGenerator({})).toBeUndefined();
    expect(() => sandboxCallGenerator({ SANDBOX_QOE_GENERATOR: 'maybe' })).toThrow(/on or off/);
  });
});
