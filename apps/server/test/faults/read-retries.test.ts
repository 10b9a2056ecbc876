import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '@trunkline/emulator-m365';
import { GraphError, createGraphClient } from '../../src/microsoft/graph.ts';
import { createConfigApiExecutor } from '../../src/teams/config-api.ts';
import { TeamsError } from '../../src/teams/teams-executor.ts';

/**
 * A read Microsoft fails on its side (500/502/504) is tried again inside the call, after a short doubling pause; a
 * write is not (it may have gone through: the step reads the state again first). Fault storms (#14) fail one
 * call in ten, and a step makes a dozen: without this, a step would use up its attempts on reads alone.
 */
const SEED = loadDefaultSeed();
const APP = SEED.apps[0]!;
const CONTOSO = SEED.tenants.find((t) => t.name === 'contoso')!;

describe('reads Microsoft failed on its side are tried again in the call', () => {
  let emu: M365Emulator;
  let token: string;

  const appToken = async (scope: string) => {
    const res = await fetch(`${emu.url}/${CONTOSO.id}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: APP.appId,
        client_secret: APP.clientSecrets[0]!,
        scope,
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const sent = (path: string) =>
    emu.control.requests({ tenant: 'contoso' }).filter((r) => r.path.endsWith(path));

  beforeAll(async () => {
    emu = await startM365Emulator({ dnsResolver: async () => [] });
  });
  afterAll(() => emu?.stop());
  beforeEach(async () => {
    emu.control.reset();
    emu.control.consent('contoso');
    token = await appToken('https://graph.microsoft.com/.default');
  });

  it('Graph: a read is asked again after 250, 500, 1000 ms and succeeds once Microsoft does', async () => {
    const sleeps: number[] = [];
    const graph = createGraphClient(emu.urls.graph, {
      sleep: async (ms) => {
        sleeps.push(ms);
        // Microsoft recovers after the second failure.
        if (sleeps.length === 2) emu.control.setFaults({ errorRate: 0 });
      },
    });
    emu.control.setFaults({ errorRate: 1, errorStatuses: [500, 502, 504], pathContains: '/organization' });
    expect((await graph.organization(token)).id).toBe(CONTOSO.id);
    expect(sleeps).toEqual([250, 500]);
    expect(sent('/organization').map((r) => r.status)).toEqual([expect.any(Number), expect.any(Number), 200]);

    emu.control.clearRequests();
    sleeps.length = 0;
    const failing = createGraphClient(emu.urls.graph, { sleep: async (ms) => void sleeps.push(ms) });
    emu.control.setFaults({ errorRate: 1, errorStatuses: [502], pathContains: '/organization' });
    const e = await failing.organization(token).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GraphError);
    expect(e).toMatchObject({ status: 502, transient: true });
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(sent('/organization')).toHaveLength(4);
  });

  it('Graph: a write answered 500 is not sent again', async () => {
    const sleeps: number[] = [];
    const graph = createGraphClient(emu.urls.graph, { sleep: async (ms) => void sleeps.push(ms) });
    emu.control.setFaults({ errorRate: 1, errorStatuses: [500], pathContains: '/domains' });
    const e = await graph
      .request(token, 'POST', '/domains', { id: 'retry.contoso.com' })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 500, code: 'generalException' });
    expect(sleeps).toEqual([]);
    expect(sent('/domains')).toHaveLength(1);
  });

  it('Teams admin API: the connect handshake (a read) is asked four times before the step hears of it', async () => {
    const teamsToken = await appToken('48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default');
    const sleeps: number[] = [];
    const executor = createConfigApiExecutor({
      baseUrl: emu.urls.teams,
      sleep: async (ms) => void sleeps.push(ms),
    });
    emu.control.setFaults({ errorRate: 1, errorStatuses: [504], surfaces: ['teams'] });
    const e = await executor
      .preview(teamsToken, {
        tenantId: CONTOSO.id,
        pstnUsage: 'Trunkline',
        voiceRoute: { identity: 'Trunkline-x', numberPattern: '.*', priority: 1, gateways: ['x.example'] },
        policy: { identity: 'Trunkline' },
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TeamsError);
    expect(e).toMatchObject({ kind: 'unavailable', status: 504, transient: true });
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(sent('/Teams.Tenant/serviceDiscovery')).toHaveLength(4);
  });
});
