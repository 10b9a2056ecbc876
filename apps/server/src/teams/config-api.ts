import { randomUUID } from 'node:crypto';
import {
  gatewayWrite,
  NOTHING_OWNED,
  planApply,
  planRemoval,
  policyName,
  routeState,
  sameName,
  samePolicy,
  stringList,
  TeamsError,
  toChange,
  type PlannedChange,
  type TeamsExecutor,
  type TeamsState,
  type VoiceRoutingPlan,
} from './teams-executor.ts';
import { READ_RETRY_PAUSE_MS } from '../microsoft/graph.ts';
import {
  createThrottleGate,
  IN_JOB_WAIT_SECONDS,
  retryAfterSeconds,
  throttleKeys,
  type ThrottleGate,
} from '../microsoft/throttle.ts';

/**
 * The Teams executor over the Teams admin "ConfigAPI" (`TEAMS_ADMIN_BASE_URL`), the REST surface behind the
 * MicrosoftTeams module's `*-Cs` cmdlets. [UNDOCUMENTED] by Microsoft: paths, verbs and bodies follow the
 * third-party clients summarised in reference §4.5 (terraprovider/go-teams, CIPP):
 *
 * - Each operation starts with the module's connect handshake, `GET /Teams.Tenant/serviceDiscovery`, and sends
 *   the admin endpoint it names as `X-MS-Target-Uri` on later requests (how Teams routes to the tenant's region).
 * - Requests carry the cmdlets' fingerprint: `User-Agent: Microsoft.Teams.ConfigAPI.Cmdlets/{ver}/{cmdlet}/
 *   MicrosoftTeams/{ver}`, `X-MS-CmdletName` and a fresh `X-MS-Correlation-Id`.
 * - Every request has the shape the MicrosoftTeams module sends, as public clients that reproduce it show
 *   (terraprovider/go-teams `teamsapi/invoke.go` + `teamsapi/teamsapi_test.go`, called [GT] below; the Teams admin
 *   center's variant in KelvinTegelaar/CIPP-API `Modules/CIPPCore/Public/GraphHelper/New-TeamsRequestV2.ps1`,
 *   [CIPP]); the emulator accepts exactly these and refuses others (emulators/m365/src/teams-shapes.ts):
 *   - `Get-` lists the whole type, `GET /Skype.Policy/configurations/{Type}`, and picks by Identity, matching a
 *     bare policy name to its `Tag:<name>` instance ([GT] PolicyGet / filterByIdentity).
 *   - `New-` is `POST /Skype.Policy/configurations/{Type}` with the cmdlet's PascalCase parameters, Identity
 *     included, a policy by its bare name ([GT] PolicyNew). Never a PUT to create ([CIPP] calls its own
 *     PUT-create "best-effort"; the module does not).
 *   - `Set-` is `PUT …/configuration/{Identity}` with only the parameters to change and no Identity ([GT]
 *     PolicySet, its test "PUT body must not contain Identity"); a policy is named by its bare name in the path, as
 *     callers of the module pass it ([GT] "callers pass the bare name"). Not sent: the `Key` envelope [CIPP] reads
 *     first and sends back with Identity (the Teams admin center's shape; the module's has no read before a write).
 *   - List parameters are the cmdlets' documented hashtables, `{Add: […]}` / `{Remove: […]}`
 *     (`Set-CsOnlinePstnUsage -Identity Global -Usage @{Add=…}`, `Set-CsOnlineVoiceRoute -OnlinePstnGatewayList
 *     @{add=…}`, reference §4.2), which the module sends as the parameter values ([GT] "body = params"), so entries
 *     someone else made are never replaced.
 *   - `Remove-` is `DELETE …/configuration/{Identity}` ([GT] PolicyRemove).
 * - The tenant-wide grant (`policy.grantGlobal`, `Grant-CsOnlineVoiceRoutingPolicy -Global`) is
 *   `PATCH /Skype.Policy/tenants/policies/OnlineVoiceRoutingPolicy` with only `{"PolicyName": "Tag:<name>"}`
 *   (`null` reverts to the Global policy instance): [GT] decompiled the route from the module, and its test
 *   `TestPolicyGrantRoutes` sends `PolicyName` as `"Tag:Foo"` and never `PolicyType` (the type is in the path).
 *   No public source reads a grant back, so Trunkline does not: the state has no `globalPolicy`, the plan preview
 *   says the current default cannot be read, the voice-routing outcome records the grant Trunkline made (as
 *   replacing the Global instance), and offboarding reverts it from that record alone (`grantApply` /
 *   `grantRemoval`). Not chosen: editing the Global instance with
 *   `PUT …/configurations/OnlineVoiceRoutingPolicy/configuration/Global` (the Teams admin center's way, which [CIPP]
 *   uses because the module's `/Skype.Policy/tenants/policies` writes answer 40301 to CSP/GDAP partner tokens): it
 *   rewrites the Global instance's own usages instead of granting the policy, so it could not be told apart from
 *   the customer's settings or undone exactly, and would differ from what the PowerShell executor does.
 *   Trunkline's tokens are the customer tenant's own (admin, consented app, own app), not GDAP ones; a 403 on the
 *   grant says so in its message.
 * - A read (GET) answered 500/502/504 is tried again here a few times after a short, doubling pause.
 * - 429 and 503 are retried here only for a Retry-After up to a second (a few times); a longer one is `throttled`
 *   / `unavailable` at once with `retryAfterSeconds`, so the job gives its worker slot back and the runner comes
 *   back then. The `ThrottleGate` (`microsoft/throttle.ts`) remembers the wait per app and tenant, so calls to a
 *   tenant Microsoft asked to wait fail the same way without a request while other tenants go on; a 409 on a create (a retried request that had gone through, or a concurrent run) re-reads the
 *   state and goes on from there.
 */

/** The module whose traffic the requests resemble (go-teams pins the same pair). */
const MODULE_VERSION = '7.9.0';
const CONFIG_API_VERSION = '9.714.2';
const MAX_ATTEMPTS = 4;
const REQUEST_TIMEOUT_MS = 60_000;

const POLICY = '/Skype.Policy/configurations';
/** The tenant-wide grant of voice routing policies (see above): written only, never read. */
const GLOBAL_GRANT = '/Skype.Policy/tenants/policies/OnlineVoiceRoutingPolicy';
const GRANT_CMDLET = 'Grant-CsOnlineVoiceRoutingPolicy';
/** Added to a 403 on the tenant-wide grant: what CIPP reports of that surface. */
const GLOBAL_GRANT_HINT =
  ' (Third-party clients report that this tenant-wide grant surface refuses CSP/GDAP partner tokens even with the role; the grant can also be made by hand: Grant-CsOnlineVoiceRoutingPolicy -Global -PolicyName <policy>.)';
type ConfigType = 'OnlinePstnUsages' | 'OnlineVoiceRoute' | 'OnlineVoiceRoutingPolicy';
type Obj = Record<string, unknown>;

export type ConfigApiOptions = {
  /** `TEAMS_ADMIN_BASE_URL`, e.g. https://api.interfaces.records.teams.microsoft.com */
  baseUrl: string;
  sleep?: (ms: number) => Promise<void>;
  /** The process's pacing per app and tenant (one per executor when not given). */
  gate?: ThrottleGate;
};

/** Microsoft's message from an error body: `{error:{code,message}}`, `{Message}` or plain text. */
function messageOf(text: string, status: number): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; Message?: unknown; message?: unknown };
    const m = body.error?.message ?? body.Message ?? body.message;
    if (typeof m === 'string' && m) return m;
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 600) || `HTTP ${status}`;
}

/**
 * The Teams executor over the ConfigAPI: preview reads three lists (never the tenant's global grant, which has no
 * read), apply adds only the difference (`planApply`), each change announced to `beforeChange` before it
 * is made; remove undoes only what the recorded outcome says Trunkline did (`planRemoval`; no record: nothing). Errors become
 * `TeamsError`s: 400 "Cannot find specified Gateway" → `gateway-not-ready`, 401/403 → `forbidden`, 429 →
 * `throttled`, 5xx/network → `unavailable`, other 4xx → `rejected` with Microsoft's message.
 */
export function createConfigApiExecutor({
  baseUrl,
  sleep: sleepOption,
  gate = createThrottleGate(),
}: ConfigApiOptions): TeamsExecutor {
  const base = baseUrl.replace(/\/+$/, '');
  const sleep = sleepOption ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  /** `notFoundOk`: a 404 is an answer (undefined); `forbiddenHint`: said after the 403 message. */
  type CallOptions = { notFoundOk?: boolean; forbiddenHint?: string };
  type Call = (
    method: string,
    path: string,
    cmdlet: string,
    body?: unknown,
    options?: CallOptions,
  ) => Promise<unknown>;

  async function send(
    token: string,
    targetUri: string | null,
    method: string,
    path: string,
    cmdlet: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<unknown> {
    const what = `${cmdlet} (${method} ${path})`;
    const keys = throttleKeys('teams', token);
    // The gate is asked before the first attempt, and again whenever it was given a wait since (another request's
    // 429, another process's) while this one slept: that wait holds it too, instead of it going out inside it.
    // Its own 429 it has just slept for. In-job waits are bounded like attempts; past that the slot is given back.
    let asked = -1;
    let gateWaits = 0;
    for (let attempt = 1; ; attempt++) {
      while (gate.deferrals() !== asked) {
        asked = gate.deferrals();
        const hold = gate.holdSeconds(keys);
        if (hold === 0) break;
        if (hold > IN_JOB_WAIT_SECONDS || ++gateWaits > MAX_ATTEMPTS)
          throw new TeamsError(
            'throttled',
            `Microsoft asked to wait before calling this tenant's Teams admin API again (${hold} s left); ${what} was not sent.`,
            { status: 429, retryAfterSeconds: hold },
          );
        await sleep(hold * 1000);
      }
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            'user-agent': `Microsoft.Teams.ConfigAPI.Cmdlets/${CONFIG_API_VERSION}/${cmdlet}/MicrosoftTeams/${MODULE_VERSION}`,
            'x-ms-cmdletname': cmdlet,
            'x-ms-correlation-id': randomUUID(),
            ...(targetUri ? { 'x-ms-target-uri': targetUri } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (e) {
        throw new TeamsError(
          'unavailable',
          `The Teams admin API could not be reached for ${what}: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
      if (res.status === 429 || res.status === 503) {
        const seconds = retryAfterSeconds(res.headers.get('retry-after'));
        const wait = seconds ?? 1;
        gate.defer(keys, wait, res.headers.get('x-ms-throttle-scope'));
        asked = gate.deferrals();
        if (attempt < MAX_ATTEMPTS && wait <= IN_JOB_WAIT_SECONDS) {
          await res.body?.cancel();
          await sleep(wait * 1000);
          continue;
        }
        const microsoftMessage = messageOf(await res.text(), res.status);
        throw res.status === 429
          ? new TeamsError(
              'throttled',
              `Microsoft is throttling the Teams admin API (${what})${seconds === undefined ? '' : `; it asks to wait ${seconds} s`}.`,
              {
                status: 429,
                microsoftMessage,
                ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
              },
            )
          : new TeamsError(
              'unavailable',
              `The Teams admin API is unavailable (${what}): ${microsoftMessage}`,
              {
                status: 503,
                microsoftMessage,
                ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
              },
            );
      }
      // A read Microsoft failed on its side is tried again after a short pause (as Graph's, microsoft/graph.ts).
      if (method === 'GET' && [500, 502, 504].includes(res.status) && attempt < MAX_ATTEMPTS) {
        await res.body?.cancel();
        await sleep(READ_RETRY_PAUSE_MS * 2 ** (attempt - 1));
        continue;
      }
      const text = await res.text();
      if (res.ok) return text ? (JSON.parse(text) as unknown) : undefined;
      if (res.status === 404 && options.notFoundOk) return undefined;
      const microsoftMessage = messageOf(text, res.status);
      const status = res.status;
      if (/cannot find specified gateway/i.test(microsoftMessage))
        throw new TeamsError(
          'gateway-not-ready',
          `Teams does not accept the derived trunk as a gateway yet (its domain must be verified and activated by a Teams-licensed user; Microsoft can take up to 24 hours after that): ${microsoftMessage}`,
          { status, microsoftMessage },
        );
      if (status === 401 || status === 403)
        throw new TeamsError(
          'forbidden',
          `Microsoft refused the Teams admin API (${status}): the automation's service principal needs the Teams Administrator directory role in this tenant (a new token is needed after assigning it; with a delegated sign-in, the admin needs it). Microsoft said: ${microsoftMessage}${options.forbiddenHint ?? ''}`,
          { status, microsoftMessage },
        );
      if (status >= 500)
        throw new TeamsError(
          'unavailable',
          `The Teams admin API failed (${status}, ${what}): ${microsoftMessage}`,
          {
            status,
            microsoftMessage,
          },
        );
      throw new TeamsError('rejected', `Teams refused ${what}: ${microsoftMessage}`, {
        status,
        microsoftMessage,
      });
    }
  }

  /** The connect handshake: which admin endpoint serves this tenant (sent as X-MS-Target-Uri afterwards). */
  async function connect(token: string): Promise<Call> {
    const discovery = (await send(
      token,
      null,
      'GET',
      '/Teams.Tenant/serviceDiscovery',
      'Connect-MicrosoftTeams',
    )) as { Endpoints?: { AdminServiceEndpoint?: unknown } } | undefined;
    const endpoint = discovery?.Endpoints?.AdminServiceEndpoint;
    const targetUri = typeof endpoint === 'string' && endpoint ? `https://${endpoint}/` : null;
    return (method, path, cmdlet, body, options) =>
      send(token, targetUri, method, path, cmdlet, body, options);
  }

  const list = async (call: Call, type: ConfigType, cmdlet: string): Promise<Obj[]> => {
    const value = await call('GET', `${POLICY}/${type}`, cmdlet);
    return Array.isArray(value) ? (value as Obj[]) : [];
  };

  async function readState(call: Call, plan: VoiceRoutingPlan): Promise<TeamsState> {
    const usageLists = await list(call, 'OnlinePstnUsages', 'Get-CsOnlinePstnUsage');
    const routes = await list(call, 'OnlineVoiceRoute', 'Get-CsOnlineVoiceRoute');
    const policies = await list(call, 'OnlineVoiceRoutingPolicy', 'Get-CsOnlineVoiceRoutingPolicy');
    const global = usageLists.find((u) => sameName(String(u.Identity ?? 'Global'), 'Global'));
    const route = routes.find((r) => sameName(String(r.Identity), plan.voiceRoute.identity));
    const policy = policies.find((p) => samePolicy(String(p.Identity), plan.policy.identity));
    const uses = (o: Obj) => stringList(o.OnlinePstnUsages).some((u) => sameName(u, plan.pstnUsage));
    // No `globalPolicy`: the grant has no read (see above); the record decides.
    return {
      usages: stringList(global?.Usage),
      route: route
        ? routeState({
            identity: route.Identity,
            numberPattern: route.NumberPattern,
            priority: route.Priority,
            gateways: route.OnlinePstnGatewayList,
            usages: route.OnlinePstnUsages,
            description: route.Description,
          })
        : null,
      policy: policy
        ? { identity: String(policy.Identity), usages: stringList(policy.OnlinePstnUsages) }
        : null,
      usageUsedBy: [
        ...routes.filter(uses).map((r) => ({
          object: 'voice-route' as const,
          identity: String(r.Identity),
          gateways: stringList(r.OnlinePstnGatewayList),
        })),
        ...policies
          .filter(uses)
          .map((p) => ({ object: 'voice-routing-policy' as const, identity: String(p.Identity) })),
      ],
    };
  }

  /** One planned change as its request; 'none' sends nothing. */
  async function execute(call: Call, c: PlannedChange): Promise<void> {
    if (c.action === 'none') return;
    const { Identity: _identity, ...setParameters } = c.parameters ?? {};
    switch (c.object) {
      case 'global-policy': {
        // go-teams' TestPolicyGrantRoutes: `{PolicyName: "Tag:<name>"}` only; null reverts.
        const name = c.parameters?.PolicyName;
        const body = { PolicyName: typeof name === 'string' ? `Tag:${policyName(name)}` : null };
        await call('PATCH', GLOBAL_GRANT, GRANT_CMDLET, body, { forbiddenHint: GLOBAL_GRANT_HINT });
        return;
      }
      case 'pstn-usage':
        await call(
          'PUT',
          `${POLICY}/OnlinePstnUsages/configuration/Global`,
          'Set-CsOnlinePstnUsage',
          c.parameters,
        );
        return;
      case 'voice-route':
      case 'voice-routing-policy': {
        const [type, noun]: [ConfigType, string] =
          c.object === 'voice-route'
            ? ['OnlineVoiceRoute', 'CsOnlineVoiceRoute']
            : ['OnlineVoiceRoutingPolicy', 'CsOnlineVoiceRoutingPolicy'];
        const identity = c.object === 'voice-route' ? c.identity : policyName(c.identity);
        const instance = `${POLICY}/${type}/configuration/${encodeURIComponent(identity)}`;
        if (c.action === 'create') await call('POST', `${POLICY}/${type}`, `New-${noun}`, c.parameters);
        else if (c.action === 'update') await call('PUT', instance, `Set-${noun}`, setParameters);
        else await call('DELETE', instance, `Remove-${noun}`, undefined, { notFoundOk: true });
      }
    }
  }

  /**
   * Runs planned changes in order, awaiting `before` ahead of each; a 409 on a create (it exists after all)
   * re-reads and plans the rest again, once.
   */
  async function run(
    call: Call,
    plan: VoiceRoutingPlan,
    decide: (state: TeamsState) => PlannedChange[],
    before: (change: PlannedChange) => Promise<void> = async () => undefined,
  ) {
    let planned = decide(await readState(call, plan));
    let replanned = false;
    const done: PlannedChange[] = [];
    while (done.length < planned.length) {
      const c = planned[done.length]!;
      try {
        if (c.action !== 'none') await before(c);
        await execute(call, c);
        done.push(c);
      } catch (e) {
        if (replanned || !(e instanceof TeamsError && e.status === 409 && c.action === 'create')) throw e;
        replanned = true;
        planned = decide(await readState(call, plan));
      }
    }
    return done.map(toChange);
  }

  return {
    kind: 'config-api',
    async preview(token, plan) {
      const call = await connect(token);
      // A preview records nothing.
      return planApply(plan, await readState(call, plan)).map(({ record: _record, ...c }) => toChange(c));
    },
    async apply(token, plan, beforeChange) {
      return run(
        await connect(token),
        plan,
        (state) => planApply(plan, state),
        beforeChange && ((c) => beforeChange(toChange(c))),
      );
    },
    async remove(token, plan, owned = NOTHING_OWNED) {
      return run(await connect(token), plan, (state) => planRemoval(plan, state, owned));
    },
    async checkGateways(token, plan, owned) {
      const write = gatewayWrite(plan, owned);
      if (!write) return;
      try {
        await execute(await connect(token), write);
      } catch (e) {
        // Refused for another reason than the gateways (409: the route exists; a missing usage): the step reads.
        if (!(e instanceof TeamsError && e.kind === 'rejected')) throw e;
      }
    },
  };
}
