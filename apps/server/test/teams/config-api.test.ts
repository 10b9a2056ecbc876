import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEAMS_ADMINISTRATOR_ROLE } from '@trunkline/contracts';
import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '@trunkline/emulator-m365';
import { GRAPH_RESOURCE, TEAMS_ADMIN_RESOURCE } from '../../src/connections/tenant-access.ts';
import { createEntraClient, type EntraClient } from '../../src/microsoft/entra.ts';
import { createGraphClient, type GraphClient } from '../../src/microsoft/graph.ts';
import { createConfigApiExecutor } from '../../src/teams/config-api.ts';
import {
  recordOf,
  TeamsError,
  type TeamsChange,
  type VoiceRoutingPlan,
} from '../../src/teams/teams-executor.ts';

/**
 * Contract tests of the ConfigAPI Teams executor against the M365 emulator over real HTTP, with an app-only token
 * of the provider app obtained the way the product gets it (client credentials after admin consent, the service
 * principal holding Teams Administrator).
 */

const SEED = loadDefaultSeed();
const APP = SEED.apps[0]!;
const CONTOSO = SEED.tenants.find((t) => t.name === 'contoso')!;
const ADMIN = CONTOSO.users[0]!;
const ENTERPRISEPACK = CONTOSO.subscribedSkus.find((s) => s.skuPartNumber === 'ENTERPRISEPACK')!.skuId;
/** The derived trunk of customer "acme" under the provider's SBC base domain (carrier model, §5.2). */
const TRUNK = 'acme.sbc.trunkline-provider.example';
/** A gateway of the customer's own, on its verified domain contoso.com. */
const FOREIGN_GATEWAY = 'sbc.contoso.com';
const CONFIG = '/Skype.Policy/configurations';

const plan = (over: Partial<VoiceRoutingPlan> = {}): VoiceRoutingPlan => ({
  tenantId: CONTOSO.id,
  pstnUsage: 'Trunkline',
  voiceRoute: {
    identity: 'Trunkline-acme',
    numberPattern: '.*',
    priority: 1,
    gateways: [TRUNK],
    description: `Trunkline: acme through ${TRUNK}`,
  },
  policy: { identity: 'Trunkline' },
  ...over,
});

const actions = (changes: TeamsChange[]) => changes.map((c) => `${c.object}:${c.action}`);

async function failure(p: Promise<unknown>): Promise<TeamsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TeamsError);
    return e as TeamsError;
  }
  throw new Error('expected a TeamsError');
}

describe('Teams executor over the ConfigAPI', () => {
  let emu: M365Emulator;
  let entra: EntraClient;
  let graph: GraphClient;
  const txt = new Map<string, string[][]>();
  /** App-only Teams admin token of the provider app in contoso (with the role unless a test says otherwise). */
  let token: string;

  beforeAll(async () => {
    emu = await startM365Emulator({ dnsResolver: async (name) => txt.get(name) ?? [] });
    entra = createEntraClient({
      authority: emu.urls.login,
      app: { clientId: APP.appId, clientSecret: APP.clientSecrets[0]! },
      graphBaseUrl: emu.urls.graph,
      teamsAdminBaseUrl: emu.urls.teams,
    });
    graph = createGraphClient(emu.urls.graph);
  });
  afterAll(() => emu?.stop());

  /** Admin consent, then (unless `role` is false) Teams Administrator on the app's service principal, as an admin would assign it. */
  async function connectContoso({ role = true } = {}) {
    emu.control.consent('contoso');
    if (role) {
      const admin = await entra.passwordGrant(CONTOSO.id, ADMIN.userPrincipalName, ADMIN.password);
      const sp = emu.control.tenant('contoso').servicePrincipals.find((s) => s.appId === APP.appId)!;
      await graph.request(admin.accessToken, 'POST', '/roleManagement/directory/roleAssignments', {
        principalId: sp.id,
        roleDefinitionId: TEAMS_ADMINISTRATOR_ROLE.templateId,
        directoryScopeId: '/',
      });
    }
    token = (await entra.clientCredentials(CONTOSO.id, TEAMS_ADMIN_RESOURCE)).accessToken;
  }

  beforeEach(async () => {
    emu.control.reset();
    txt.clear();
    await connectContoso();
  });

  /** The Teams configuration of contoso as the emulator holds it (a copy). */
  const teamsState = () => structuredClone(emu.control.tenant('contoso').teams);
  const writes = () =>
    emu.control.requests({ tenant: 'contoso', surface: 'teams' }).filter((r) => r.method !== 'GET');

  /** Someone else's ConfigAPI call (the customer's admin tooling), straight over HTTP. */
  async function teams(method: string, path: string, body?: unknown) {
    const res = await fetch(`${emu.urls.teams}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
  }

  /** The customer's own Direct Routing: a usage "Other", their own gateway, a route and a policy on them. */
  async function foreignConfiguration() {
    await teams('PUT', `${CONFIG}/OnlinePstnUsages/configuration/Global`, { Usage: { Add: ['Other'] } });
    await teams('POST', `${CONFIG}/OnlinePSTNGateway`, {
      Identity: FOREIGN_GATEWAY,
      Fqdn: FOREIGN_GATEWAY,
      SipSignalingPort: 5061,
    });
    await teams('POST', `${CONFIG}/OnlineVoiceRoute`, {
      Identity: 'Contoso-own',
      NumberPattern: '^\\+1',
      OnlinePstnGatewayList: [FOREIGN_GATEWAY],
      OnlinePstnUsages: ['Other'],
      Priority: 0,
    });
    await teams('POST', `${CONFIG}/OnlineVoiceRoutingPolicy`, {
      Identity: 'Contoso-own',
      OnlinePstnUsages: ['Other'],
    });
  }

  const graphApp = async () => (await entra.clientCredentials(CONTOSO.id, GRAPH_RESOURCE)).accessToken;

  /** The derived trunk's domain in the tenant, as the orchestration's domain step adds it (§5.2 step 5). */
  const addDomain = async () => graph.request(await graphApp(), 'POST', '/domains', { id: TRUNK });

  /** Verified by its TXT record (steps 6–7). */
  async function verifyDomain() {
    const app = await graphApp();
    const records = await graph.request<{ value: { recordType: string; text?: string }[] }>(
      app,
      'GET',
      `/domains/${TRUNK}/verificationDnsRecords`,
    );
    txt.set(TRUNK, [[records.value.find((r) => r.recordType === 'Txt')!.text!]]);
    await graph.request(app, 'POST', `/domains/${TRUNK}/verify`);
  }

  /** Activated by a user with a Teams licence and a UPN on it (step 9). */
  async function activateDomain() {
    const app = await graphApp();
    const user = await graph.request<{ id: string }>(app, 'POST', '/users', {
      accountEnabled: true,
      displayName: 'Teams activation',
      mailNickname: 'teams-activation',
      userPrincipalName: `teams-activation@${TRUNK}`,
      usageLocation: 'US',
      passwordProfile: { password: 'Activation-User-1!', forceChangePasswordNextSignIn: false },
    });
    await graph.request(app, 'POST', `/users/${user.id}/assignLicense`, {
      addLicenses: [{ skuId: ENTERPRISEPACK, disabledPlans: [] }],
      removeLicenses: [],
    });
  }

  /** The derived trunk usable as a gateway: its domain added, verified and activated. */
  async function addTrunkDomain() {
    await addDomain();
    await verifyDomain();
    await activateDomain();
  }

  const executor = (sleeps: number[] = []) =>
    createConfigApiExecutor({
      baseUrl: emu.urls.teams,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });

  it('previews an empty tenant as three creates, reading only', async () => {
    const changes = await executor().preview(token, plan());
    expect(changes).toEqual([
      {
        object: 'pstn-usage',
        identity: 'Trunkline',
        action: 'create',
        detail: "Add PSTN usage 'Trunkline' to the Global list",
      },
      {
        object: 'voice-route',
        identity: 'Trunkline-acme',
        action: 'create',
        detail: `Create voice route 'Trunkline-acme': number pattern '.*', priority 1, gateways ${TRUNK}, PSTN usage 'Trunkline'`,
      },
      {
        object: 'voice-routing-policy',
        identity: 'Trunkline',
        action: 'create',
        detail: "Create voice routing policy 'Trunkline' with PSTN usage 'Trunkline'",
      },
    ]);
    expect(emu.control.requests({ tenant: 'contoso', surface: 'teams' }).length).toBeGreaterThan(0);
    expect(writes()).toEqual([]);
  });

  it('applies usage, route and policy with the fields of the plan', async () => {
    await addTrunkDomain();
    const changes = await executor().apply(token, plan());
    expect(actions(changes)).toEqual([
      'pstn-usage:create',
      'voice-route:create',
      'voice-routing-policy:create',
    ]);

    const state = teamsState();
    expect(state.OnlinePstnUsages).toEqual(['Trunkline']);
    expect(state.OnlineVoiceRoute).toEqual([
      expect.objectContaining({
        Identity: 'Trunkline-acme',
        NumberPattern: '.*',
        Priority: 1,
        OnlinePstnGatewayList: [TRUNK],
        OnlinePstnUsages: ['Trunkline'],
        Description: `Trunkline: acme through ${TRUNK}`,
      }),
    ]);
    expect(state.OnlineVoiceRoutingPolicy).toContainEqual(
      expect.objectContaining({ Identity: 'Tag:Trunkline', OnlinePstnUsages: ['Trunkline'] }),
    );
  });

  it('changes nothing when applied again, also with the names in another case', async () => {
    await addTrunkDomain();
    await executor().apply(token, plan());
    const after = teamsState();
    emu.control.clearRequests();

    const again = await executor().apply(token, plan());
    expect(actions(again)).toEqual(['pstn-usage:none', 'voice-route:none', 'voice-routing-policy:none']);
    const shouted = plan({
      pstnUsage: 'TRUNKLINE',
      voiceRoute: { ...plan().voiceRoute, identity: 'TRUNKLINE-ACME', gateways: [TRUNK.toUpperCase()] },
      policy: { identity: 'trunkline' },
    });
    expect(actions(await executor().apply(token, shouted))).toEqual([
      'pstn-usage:none',
      'voice-route:none',
      'voice-routing-policy:none',
    ]);
    expect(writes()).toEqual([]);
    expect(teamsState()).toEqual(after);
  });

  it("adds its gateway and usage to an existing route with {Add}, keeping the customer's own", async () => {
    await addTrunkDomain();
    await foreignConfiguration();
    await teams('POST', `${CONFIG}/OnlineVoiceRoute`, {
      Identity: 'Trunkline-acme',
      NumberPattern: '^\\+1',
      OnlinePstnGatewayList: [FOREIGN_GATEWAY],
      OnlinePstnUsages: ['Other'],
      Priority: 5,
    });

    const preview = await executor().preview(token, plan());
    expect(preview[1]).toEqual({
      object: 'voice-route',
      identity: 'Trunkline-acme',
      action: 'update',
      detail: `Voice route 'Trunkline-acme': gateways ${FOREIGN_GATEWAY} → + ${TRUNK}; PSTN usages 'Other' → + 'Trunkline'; number pattern '^\\+1' → '.*'; priority 5 → 1; description '' → 'Trunkline: acme through ${TRUNK}'`,
    });
    const changes = await executor().apply(token, plan());
    expect(changes.map(({ record: _record, ...c }) => c)).toEqual(preview);
    // What it changed on the customer's route is recorded, with the values it had.
    expect(changes[1]!.record).toEqual({
      route: {
        identity: 'Trunkline-acme',
        created: false,
        gatewaysAdded: [TRUNK],
        usageAdded: true,
        prior: { numberPattern: '^\\+1', priority: 5, description: '' },
      },
    });

    const route = teamsState().OnlineVoiceRoute.find((r) => r.Identity === 'Trunkline-acme')!;
    expect(route.OnlinePstnGatewayList).toEqual([FOREIGN_GATEWAY, TRUNK]);
    expect(route.OnlinePstnUsages).toEqual(['Other', 'Trunkline']);
    expect(route).toMatchObject({ NumberPattern: '.*', Priority: 1 });
    expect(actions(await executor().apply(token, plan()))).toEqual([
      'pstn-usage:none',
      'voice-route:none',
      'voice-routing-policy:none',
    ]);
  });

  it("adds the usage to an existing policy instead of replacing the customer's", async () => {
    await addTrunkDomain();
    await foreignConfiguration();
    const changes = await executor().apply(token, plan({ policy: { identity: 'Contoso-own' } }));
    expect(changes[2]).toMatchObject({
      object: 'voice-routing-policy',
      identity: 'Contoso-own',
      action: 'update',
      detail: "Voice routing policy 'Contoso-own': PSTN usages 'Other' → + 'Trunkline'",
    });
    expect(teamsState().OnlineVoiceRoutingPolicy).toContainEqual(
      expect.objectContaining({ Identity: 'Tag:Contoso-own', OnlinePstnUsages: ['Other', 'Trunkline'] }),
    );
  });

  it('reports gateway-not-ready until the trunk domain is verified and activated, then applies', async () => {
    const notReady = async () => {
      const e = await failure(executor().apply(token, plan()));
      expect(e.kind).toBe('gateway-not-ready');
      expect(e.status).toBe(400);
      expect(e.microsoftMessage).toMatch(new RegExp(`^Cannot find specified Gateway ${TRUNK}`));
      return e;
    };
    expect((await notReady()).microsoftMessage).toMatch(/not a verified domain/);
    // The usage went in before the route failed; a later run finds it.
    expect(teamsState().OnlinePstnUsages).toEqual(['Trunkline']);
    expect(teamsState().OnlineVoiceRoute).toEqual([]);

    await addDomain();
    await notReady();
    await verifyDomain();
    // Verified, but nobody with a Teams licence has a user name on it yet.
    expect((await notReady()).microsoftMessage).toMatch(/not activated/);

    await activateDomain();
    expect(actions(await executor().apply(token, plan()))).toEqual([
      'pstn-usage:none',
      'voice-route:create',
      'voice-routing-policy:create',
    ]);
  });

  it("answers forbidden when the app's service principal lacks a Teams admin role", async () => {
    emu.control.reset();
    await connectContoso({ role: false });
    const e = await failure(executor().preview(token, plan()));
    expect(e.kind).toBe('forbidden');
    expect(e.status).toBe(403);
    expect(e.message).toMatch(/service principal needs the Teams Administrator directory role/);
    expect(e.microsoftMessage).toMatch(/no Teams administrator directory role/);
  });

  it('rejects what Teams refuses for other reasons, with Microsoft’s message', async () => {
    await addTrunkDomain();
    const bad = plan({ voiceRoute: { ...plan().voiceRoute, numberPattern: '([0-9' } });
    const e = await failure(executor().apply(token, bad));
    expect(e.kind).toBe('rejected');
    expect(e.status).toBe(400);
    expect(e.microsoftMessage).toMatch(/Invalid value for parameter 'NumberPattern'/);
    expect(e.message).toContain(e.microsoftMessage);
  });

  it('waits in the job only for a Retry-After up to a second; a longer one is throttled at once, and held back per tenant', async () => {
    await addTrunkDomain();
    emu.control.throttle({ surfaces: ['teams'], tenant: 'contoso', count: 2, retryAfterSeconds: 1 });
    const sleeps: number[] = [];
    const changes = await executor(sleeps).apply(token, plan());
    expect(actions(changes)).toEqual([
      'pstn-usage:create',
      'voice-route:create',
      'voice-routing-policy:create',
    ]);
    // Each wait is Microsoft's second (later calls within it wait for the rest of it too), never longer.
    expect(sleeps.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...sleeps)).toBe(1000);
    expect(
      emu.control.requests({ tenant: 'contoso', surface: 'teams' }).filter((r) => r.status === 429),
    ).toHaveLength(2);

    // Still throttled after the last short attempt: throttled, with Microsoft's wait.
    emu.control.throttle({ surfaces: ['teams'], tenant: 'contoso', count: 10, retryAfterSeconds: 1 });
    const more: number[] = [];
    const e = await failure(executor(more).preview(token, plan()));
    expect(e).toMatchObject({ kind: 'throttled', status: 429, retryAfterSeconds: 1 });
    expect(more.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...more)).toBe(1000);

    // A longer wait is not slept at all: the job gives its slot back and the orchestration reschedules; the same
    // executor then holds further calls to the tenant back without sending them.
    emu.control.reset();
    await connectContoso();
    emu.control.throttle({ surfaces: ['teams'], tenant: 'contoso', count: 1, retryAfterSeconds: 120 });
    const none: number[] = [];
    const held = executor(none);
    expect(await failure(held.preview(token, plan()))).toMatchObject({
      kind: 'throttled',
      retryAfterSeconds: 120,
    });
    const sent = emu.control.requests({ tenant: 'contoso', surface: 'teams' }).length;
    expect(await failure(held.preview(token, plan()))).toMatchObject({ kind: 'throttled' });
    expect(emu.control.requests({ tenant: 'contoso', surface: 'teams' })).toHaveLength(sent);
    expect(none).toEqual([]);
  });

  it('answers unavailable when Teams keeps failing or cannot be reached', async () => {
    emu.control.setFaults({ errorRate: 1, surfaces: ['teams'] });
    const sleeps: number[] = [];
    const e = await failure(executor(sleeps).preview(token, plan()));
    expect(e).toMatchObject({ kind: 'unavailable', status: 503 });
    expect(sleeps).toEqual([1000, 1000, 1000]);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const unreachable = createConfigApiExecutor({ baseUrl: `http://127.0.0.1:${port}` });
    const down = await failure(unreachable.preview(token, plan()));
    expect(down.kind).toBe('unavailable');
    expect(down.status).toBeUndefined();
    expect(down.microsoftMessage).toBeNull();
  });

  it('removes what it created and leaves the tenant as it was', async () => {
    await addTrunkDomain();
    await foreignConfiguration();
    const before = teamsState();
    const owned = recordOf(await executor().apply(token, plan()));
    expect(teamsState()).not.toEqual(before);

    const removed = await executor().remove(token, plan(), owned);
    expect(removed).toEqual([
      {
        object: 'voice-route',
        identity: 'Trunkline-acme',
        action: 'delete',
        detail: "Remove voice route 'Trunkline-acme'",
      },
      {
        object: 'voice-routing-policy',
        identity: 'Trunkline',
        action: 'delete',
        detail: "Remove voice routing policy 'Trunkline'",
      },
      {
        object: 'pstn-usage',
        identity: 'Trunkline',
        action: 'delete',
        detail: "Remove PSTN usage 'Trunkline' from the Global list",
      },
    ]);
    expect(teamsState()).toEqual(before);

    // Missing objects count as done.
    emu.control.clearRequests();
    expect(actions(await executor().remove(token, plan(), owned))).toEqual([
      'voice-route:none',
      'voice-routing-policy:none',
      'pstn-usage:none',
    ]);
    expect(writes()).toEqual([]);
  });

  it('takes only our gateway off a route someone else also uses, keeping the route, policy and usage it needs', async () => {
    await addTrunkDomain();
    await foreignConfiguration();
    const owned = recordOf(await executor().apply(token, plan()));
    await teams('PUT', `${CONFIG}/OnlineVoiceRoute/configuration/Trunkline-acme`, {
      OnlinePstnGatewayList: { Add: [FOREIGN_GATEWAY] },
    });

    const removed = await executor().remove(token, plan(), owned);
    expect(removed).toEqual([
      {
        object: 'voice-route',
        identity: 'Trunkline-acme',
        action: 'update',
        detail: `Take gateway ${TRUNK} off voice route 'Trunkline-acme' (it keeps ${FOREIGN_GATEWAY})`,
      },
      {
        object: 'voice-routing-policy',
        identity: 'Trunkline',
        action: 'none',
        detail:
          "Voice routing policy 'Trunkline' stays: voice route 'Trunkline-acme' still routes through PSTN usage 'Trunkline'",
      },
      {
        object: 'pstn-usage',
        identity: 'Trunkline',
        action: 'none',
        detail:
          "PSTN usage 'Trunkline' left in the Global list: still used by voice route 'Trunkline-acme', voice routing policy 'Trunkline'",
      },
    ]);
    const state = teamsState();
    expect(state.OnlineVoiceRoute.find((r) => r.Identity === 'Trunkline-acme')).toMatchObject({
      OnlinePstnGatewayList: [FOREIGN_GATEWAY],
    });
    expect(state.OnlinePstnUsages).toEqual(['Other', 'Trunkline']);
    expect(state.OnlineVoiceRoutingPolicy.map((p) => p.Identity)).toContain('Tag:Trunkline');
  });

  it("undoes only its share of a customer's own route and policy, putting back the values it changed", async () => {
    await addTrunkDomain();
    await foreignConfiguration();
    // The customer's route and policy happen to carry the plan's names.
    await teams('POST', `${CONFIG}/OnlineVoiceRoute`, {
      Identity: 'Trunkline-acme',
      NumberPattern: '^\\+44',
      Priority: 5,
      Description: 'mine',
      OnlinePstnGatewayList: [FOREIGN_GATEWAY],
      OnlinePstnUsages: ['Other'],
    });
    await teams('POST', `${CONFIG}/OnlineVoiceRoutingPolicy`, {
      Identity: 'Trunkline',
      OnlinePstnUsages: ['Other'],
    });
    const before = teamsState();
    const owned = recordOf(await executor().apply(token, plan()));
    expect(owned).toEqual({
      usage: { name: 'Trunkline', added: true },
      route: {
        identity: 'Trunkline-acme',
        created: false,
        gatewaysAdded: [TRUNK],
        usageAdded: true,
        prior: { numberPattern: '^\\+44', priority: 5, description: 'mine' },
      },
      policy: { identity: 'Trunkline', created: false, usageAdded: true },
      globalGrant: null,
    });

    // Without the record nothing is Trunkline's: nothing is removed.
    const applied = teamsState();
    emu.control.clearRequests();
    expect(actions(await executor().remove(token, plan()))).toEqual([
      'voice-route:none',
      'voice-routing-policy:none',
      'pstn-usage:none',
    ]);
    expect(writes()).toEqual([]);
    expect(teamsState()).toEqual(applied);

    expect(actions(await executor().remove(token, plan(), owned))).toEqual([
      'voice-route:update',
      'voice-routing-policy:update',
      'pstn-usage:delete',
    ]);
    expect(teamsState()).toEqual(before);
  });

  describe("granting the policy as the tenant's global default", () => {
    const GRANT = '/Skype.Policy/tenants/policies/OnlineVoiceRoutingPolicy';
    const granting = (over: Partial<VoiceRoutingPlan> = {}) =>
      plan({ policy: { identity: 'Trunkline', grantGlobal: true }, ...over });

    /** A ConfigAPI call that may fail, with its status and body. */
    async function call(method: string, path: string, body?: unknown) {
      const res = await fetch(`${emu.urls.teams}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, any> | null };
    }
    /**
     * The tenant's global voice routing policy (bare name; null: the Global instance), from the emulator's control
     * API: the ConfigAPI has no read of a tenant-wide grant (its GET answers 404).
     */
    const globalDefault = async () => {
      const granted = emu.control.tenant('contoso').teams.GlobalPolicies.OnlineVoiceRoutingPolicy;
      return granted === null ? null : granted.replace(/^tag:/i, '');
    };
    const UNREADABLE =
      "the Teams admin API cannot read the tenant's current global default back, so Trunkline records that it granted this policy";

    it('previews the grant last, after the policy it needs, saying the current default cannot be read', async () => {
      const changes = await executor().preview(token, granting());
      expect(actions(changes)).toEqual([
        'pstn-usage:create',
        'voice-route:create',
        'voice-routing-policy:create',
        'global-policy:update',
      ]);
      expect(changes[3]).toMatchObject({
        object: 'global-policy',
        identity: 'Trunkline',
        action: 'update',
        detail: `Grant voice routing policy 'Trunkline' as the tenant's global default (${UNREADABLE}; offboarding reverts it to the Global policy instance)`,
      });
      expect(writes()).toEqual([]);
      // The invented read of the grant is never made.
      expect(
        emu.control.requests({ tenant: 'contoso', surface: 'teams' }).filter((r) => r.path.endsWith(GRANT)),
      ).toEqual([]);
    });

    it('grants it and records the grant; a second apply grants again (idempotent) and changes nothing else', async () => {
      await addTrunkDomain();
      expect(await globalDefault()).toBeNull();
      const first = await executor().apply(token, granting());
      expect(actions(first)).toEqual([
        'pstn-usage:create',
        'voice-route:create',
        'voice-routing-policy:create',
        'global-policy:update',
      ]);
      expect(recordOf(first).globalGrant).toEqual({ policy: 'Trunkline', prior: null });
      expect(await globalDefault()).toBe('Trunkline');

      emu.control.clearRequests();
      const again = await executor().apply(
        token,
        granting({ policy: { identity: 'TRUNKLINE', grantGlobal: true } }),
      );
      expect(actions(again)).toEqual([
        'pstn-usage:none',
        'voice-route:none',
        'voice-routing-policy:none',
        'global-policy:update',
      ]);
      expect(writes().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`PATCH /teams${GRANT} 200`]);
      expect(await globalDefault()).toBe('Trunkline');
    });

    it('replaces another global default, which it cannot know, and offboarding reverts to the Global instance', async () => {
      await addTrunkDomain();
      await foreignConfiguration();
      await teams('PATCH', GRANT, { PolicyName: 'Tag:Contoso-own' });
      const owned = recordOf(await executor().apply(token, granting()));
      expect(await globalDefault()).toBe('Trunkline');
      expect(owned.globalGrant).toEqual({ policy: 'Trunkline', prior: null });
      await executor().remove(token, granting(), owned);
      expect(await globalDefault()).toBeNull();
    });

    it('reverts the grant on removal from the record alone, then removes the policy', async () => {
      await addTrunkDomain();
      await foreignConfiguration();
      const before = teamsState();
      const owned = recordOf(await executor().apply(token, granting()));

      const removed = await executor().remove(token, granting(), owned);
      expect(removed.find((c) => c.object === 'global-policy')).toEqual({
        object: 'global-policy',
        identity: 'Trunkline',
        action: 'delete',
        detail: `Revert the tenant's global default from voice routing policy 'Trunkline' to the Global policy instance (${UNREADABLE}; the record decides)`,
      });
      expect(actions(removed)).toEqual([
        'voice-route:delete',
        'global-policy:delete',
        'voice-routing-policy:delete',
        'pstn-usage:delete',
      ]);
      expect(await globalDefault()).toBeNull();
      expect(teamsState()).toEqual(before);
    });

    it('neither reads nor touches the global default without the option', async () => {
      await addTrunkDomain();
      await teams('PATCH', GRANT, { PolicyName: null });
      emu.control.clearRequests();
      await executor().remove(token, plan(), recordOf(await executor().apply(token, plan())));
      expect(
        emu.control
          .requests({ tenant: 'contoso', surface: 'teams' })
          .filter((r) => r.path.includes('/tenants/policies')),
      ).toEqual([]);
    });

    it('is refused like the rest of the ConfigAPI: role, unknown policy, a PolicyType in the body, a granted policy removed', async () => {
      await addTrunkDomain();
      await executor().apply(token, granting());

      expect(await call('PATCH', GRANT, { PolicyName: 'Tag:Nope' })).toMatchObject({
        status: 400,
        body: {
          error: { message: "Policy 'Nope' of type OnlineVoiceRoutingPolicy was not found in this tenant." },
        },
      });
      expect((await call('PATCH', GRANT, {})).status).toBe(400);
      expect(
        (await call('PATCH', GRANT, { PolicyType: 'OnlineVoiceRoutingPolicy', PolicyName: 'Tag:Trunkline' }))
          .status,
      ).toBe(400);
      expect(
        (await call('PATCH', '/Skype.Policy/tenants/policies/OnlineVoiceRoute', { PolicyName: null })).status,
      ).toBe(400);
      expect((await call('GET', GRANT)).status).toBe(404);
      // Someone deleting the policy while it is the tenant's default: refused, nothing dangles.
      const del = await call('DELETE', `${CONFIG}/OnlineVoiceRoutingPolicy/configuration/Trunkline`);
      expect(del.status).toBe(400);
      expect(del.body!.error.message).toMatch(/granted as the tenant's global policy/);

      emu.control.reset();
      await connectContoso({ role: false });
      expect((await call('PATCH', GRANT, { PolicyName: null })).status).toBe(403);
      const e = await failure(executor().apply(token, granting()));
      expect(e).toMatchObject({ kind: 'forbidden', status: 403 });
    });
  });

  describe('on the wire (through a recording proxy)', () => {
    let proxy: Server;
    let proxyUrl: string;
    let seen: { method: string; path: string; headers: IncomingHttpHeaders; body: string }[];
    /** When set, answers instead of the emulator (after forwarding, if it says so). */
    let intercept:
      | ((r: { method: string; path: string }) => { forwardFirst: boolean; status: number } | undefined)
      | undefined;

    beforeAll(async () => {
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          void (async () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const method = req.method ?? 'GET';
            const path = req.url ?? '/';
            seen.push({ method, path, headers: req.headers, body });
            const forward = () =>
              fetch(`${emu.urls.teams}${path}`, {
                method,
                headers: {
                  authorization: req.headers.authorization ?? '',
                  ...(body ? { 'content-type': 'application/json' } : {}),
                },
                ...(body ? { body } : {}),
              });
            const hook = intercept?.({ method, path });
            if (hook) {
              if (hook.forwardFirst) await (await forward()).arrayBuffer();
              res.writeHead(hook.status, { 'retry-after': '0', 'content-type': 'application/json' });
              res.end(JSON.stringify({ error: { code: 'serviceNotAvailable', message: 'Try again.' } }));
              return;
            }
            const answer = await forward();
            res.writeHead(answer.status, { 'content-type': 'application/json' });
            res.end(await answer.text());
          })();
        });
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => proxy.close(() => r())));
    beforeEach(() => {
      seen = [];
      intercept = undefined;
    });

    const viaProxy = () => createConfigApiExecutor({ baseUrl: proxyUrl, sleep: async () => {} });

    it("sends the cmdlets' headers after the discovery handshake, and list edits as {Add}", async () => {
      await addTrunkDomain();
      await foreignConfiguration();
      await teams('POST', `${CONFIG}/OnlineVoiceRoute`, {
        Identity: 'Trunkline-acme',
        NumberPattern: '.*',
        OnlinePstnGatewayList: [FOREIGN_GATEWAY],
        OnlinePstnUsages: ['Other'],
        Priority: 1,
      });
      await viaProxy().apply(token, plan());

      expect(seen[0]).toMatchObject({ method: 'GET', path: '/Teams.Tenant/serviceDiscovery' });
      expect(seen[0]!.headers['x-ms-target-uri']).toBeUndefined();
      const target = `https://${new URL(emu.url).host}/`;
      for (const r of seen.slice(1)) {
        expect(r.headers.authorization).toBe(`Bearer ${token}`);
        expect(r.headers['x-ms-target-uri']).toBe(target);
        expect(r.headers['x-ms-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
        const cmdlet = r.headers['x-ms-cmdletname'];
        expect(r.headers['user-agent']).toMatch(
          new RegExp(`^Microsoft\\.Teams\\.ConfigAPI\\.Cmdlets/[\\d.]+/${cmdlet}/MicrosoftTeams/[\\d.]+$`),
        );
      }
      const update = seen.find((r) => r.method === 'PUT' && r.path.includes('/OnlineVoiceRoute/'))!;
      expect(update.headers['x-ms-cmdletname']).toBe('Set-CsOnlineVoiceRoute');
      expect(update.path).toBe(`${CONFIG}/OnlineVoiceRoute/configuration/Trunkline-acme`);
      expect(JSON.parse(update.body)).toEqual({
        OnlinePstnGatewayList: { Add: [TRUNK] },
        OnlinePstnUsages: { Add: ['Trunkline'] },
        Description: `Trunkline: acme through ${TRUNK}`,
      });
      const create = seen.find((r) => r.method === 'POST')!;
      expect(create.headers['x-ms-cmdletname']).toBe('New-CsOnlineVoiceRoutingPolicy');
      expect(JSON.parse(create.body)).toEqual({ Identity: 'Trunkline', OnlinePstnUsages: ['Trunkline'] });
    });

    it('grants with PATCH {PolicyName: "Tag:<name>"} on the tenant-wide path (go-teams), never reads it, reverts with null', async () => {
      await addTrunkDomain();
      const granting = plan({ policy: { identity: 'Trunkline', grantGlobal: true } });
      const owned = recordOf(await viaProxy().apply(token, granting));
      const grant = '/Skype.Policy/tenants/policies/OnlineVoiceRoutingPolicy';
      expect(seen.filter((r) => r.method === 'GET' && r.path === grant)).toEqual([]);
      const patches = () => seen.filter((r) => r.method === 'PATCH');
      expect(patches().map((r) => [r.path, r.headers['x-ms-cmdletname'], JSON.parse(r.body)])).toEqual([
        [grant, 'Grant-CsOnlineVoiceRoutingPolicy', { PolicyName: 'Tag:Trunkline' }],
      ]);
      // After the policy exists: the grant is the last request.
      expect(seen.at(-1)!.method).toBe('PATCH');

      seen = [];
      await viaProxy().remove(token, granting, owned);
      expect(patches().map((r) => JSON.parse(r.body))).toEqual([{ PolicyName: null }]);
      // Reverted before the policy is deleted.
      expect(seen.findIndex((r) => r.method === 'PATCH')).toBeLessThan(
        seen.findIndex((r) => r.method === 'DELETE' && r.path.includes('OnlineVoiceRoutingPolicy')),
      );
    });

    it('adds what third parties report of the grant surface to a 403 on it', async () => {
      await addTrunkDomain();
      intercept = ({ path }) =>
        path.includes('/tenants/policies') ? { forwardFirst: false, status: 403 } : undefined;
      const e = await failure(
        viaProxy().apply(token, plan({ policy: { identity: 'Trunkline', grantGlobal: true } })),
      );
      expect(e).toMatchObject({ kind: 'forbidden', status: 403 });
      expect(e.message).toMatch(/Teams Administrator directory role/);
      expect(e.message).toMatch(/CSP\/GDAP partner tokens/);
    });

    it('goes on when a retried create finds its object already there (409)', async () => {
      await addTrunkDomain();
      let once = true;
      // The first POST of the route reaches Teams, but its answer is lost as a 503: the retry meets a 409.
      intercept = ({ method, path }) => {
        if (once && method === 'POST' && path.endsWith('/OnlineVoiceRoute')) {
          once = false;
          return { forwardFirst: true, status: 503 };
        }
        return undefined;
      };
      const changes = await viaProxy().apply(token, plan());
      expect(actions(changes)).toEqual([
        'pstn-usage:create',
        'voice-route:none',
        'voice-routing-policy:create',
      ]);
      expect(seen.filter((r) => r.method === 'POST' && r.path.endsWith('/OnlineVoiceRoute'))).toHaveLength(2);
      expect(teamsState().OnlineVoiceRoute).toHaveLength(1);
      expect(teamsState().OnlineVoiceRoutingPolicy).toContainEqual(
        expect.objectContaining({ Identity: 'Tag:Trunkline', OnlinePstnUsages: ['Trunkline'] }),
      );
    });

    it('encodes identities with quotes and spaces in paths', async () => {
      await addTrunkDomain();
      const odd = plan({ policy: { identity: "O'Brien & Co $HOME" } });
      const owned = recordOf(await viaProxy().apply(token, odd));
      expect(teamsState().OnlineVoiceRoutingPolicy).toContainEqual(
        expect.objectContaining({ Identity: "Tag:O'Brien & Co $HOME" }),
      );
      expect(actions(await viaProxy().remove(token, odd, owned))).toEqual([
        'voice-route:delete',
        'voice-routing-policy:delete',
        'pstn-usage:delete',
      ]);
      expect(
        seen.some((r) => r.method === 'DELETE' && r.path.endsWith("/O'Brien%20%26%20Co%20%24HOME")),
      ).toBe(true);
      expect(teamsState().OnlineVoiceRoutingPolicy.map((p) => p.Identity)).toEqual(['Global']);
    });
  });
});
