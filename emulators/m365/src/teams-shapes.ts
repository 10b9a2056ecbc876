import { graphError, isObject } from './http.ts';
import type { Tenant } from './state.ts';

/**
 * Which request shapes the Teams admin ConfigAPI accepts: exactly the ones public clients of the MicrosoftTeams
 * module are seen to send, and the service's error envelope (`{error:{code,message}}`) for any other. Microsoft does
 * not document this surface; every rule below names its source.
 *
 * Sources (read, not copied):
 * - [GT] terraprovider/go-teams `teamsapi/invoke.go` and `teamsapi/teamsapi_test.go` (commit 460f696): a client that
 *   reproduces the module's wire behaviour. `New-` is `POST /Skype.Policy/configurations/{Type}` with the
 *   parameters (Identity included); `Set-` is `PUT …/configuration/{Identity}` with the parameters *without*
 *   Identity; `Remove-` is `DELETE` of the same path; `Get-` lists the type and filters by Identity. Custom policy
 *   instances are stored as `Tag:<name>` while callers pass the bare name ("New-Cs*Policy -Identity X creates the
 *   instance Tag:X"). `Grant-Cs…Policy -Global` is `PATCH /Skype.Policy/tenants/policies/{PolicyType}` whose body
 *   carries only `PolicyName` ("never PolicyType": the type is in the path), e.g. `"Tag:Foo"`; the routes were
 *   decompiled from the module. No read of a grant appears anywhere.
 * - [CIPP] KelvinTegelaar/CIPP-API `Modules/CIPPCore/Public/GraphHelper/New-TeamsRequestV2.ps1`: the Teams admin
 *   center's way over the same service: `GET …/configuration/{Identity}` for one instance, and a Set that reads the
 *   instance first and sends back `{Identity, Key, …changed}` (the `Key` envelope of the read) "for maximum
 *   compatibility"; without the read it sends only the changed properties.
 * - [MS] the cmdlets' documented parameters (MicrosoftDocs/office-docs-powershell
 *   `teams/teams-ps/MicrosoftTeams/{New,Set}-CsOnline*.md`): `-Usage @{Add=…}` / `@{Remove=…}` / `@{Replace=…}`
 *   hashtables on list parameters (sent as the body's parameter values, [GT] "body = params").
 *
 * Decisions where no source shows the service's answer (the emulator's, documented in the README):
 * - `PUT` on an instance that does not exist is 404: the module creates with POST only ([GT]); CIPP's PUT-create is
 *   "best-effort" in its own words.
 * - A parameter the cmdlet does not have is 400 with PowerShell's own sentence: the module binds parameters before
 *   sending, so it never sends one.
 * - A `Key` that is not the instance's own (stale or made up) is 400; an `Identity` in a Set body must name the
 *   instance of the path.
 * - `POST` to `OnlinePstnUsages`: there is no `New-CsOnlinePstnUsage`; 400.
 * - `GET /Skype.Policy/tenants/policies/{type}`: no public client reads the grant; the emulator answers it as any
 *   route the service does not serve (404 NotFound), so a product that depends on that read fails here as it would
 *   on Microsoft.
 * - A grant body with `PolicyType` (go-teams' older shape) is 400: the decompiled route has the type in the path.
 */

export type Obj = Record<string, unknown>;
export type TypeName =
  'OnlinePstnUsages' | 'OnlineVoiceRoute' | 'OnlineVoiceRoutingPolicy' | 'OnlinePSTNGateway';

const badRequest = (message: string) => graphError(400, 'BadRequest', message);
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The cmdlets' parameters per type ([MS] New-/Set-CsOnline… pages), besides Identity. */
export const PARAMETERS: Record<TypeName, string[]> = {
  OnlinePstnUsages: ['Usage'],
  OnlineVoiceRoute: [
    'Description',
    'NumberPattern',
    'OnlinePstnGatewayList',
    'OnlinePstnUsages',
    'Priority',
    'BridgeSourcePhoneNumber',
  ],
  OnlineVoiceRoutingPolicy: ['Description', 'OnlinePstnUsages', 'RouteType'],
  OnlinePSTNGateway: [
    'Fqdn',
    'SipSignalingPort',
    'SipSignallingPort',
    'Description',
    'FailoverTimeSeconds',
    'ForwardCallHistory',
    'ForwardPai',
    'SendSipOptions',
    'MaxConcurrentSessions',
    'Enabled',
    'MediaBypass',
    'BypassMode',
    'ProxySbc',
    'GatewaySiteId',
    'GatewaySiteLbrEnabled',
    'GatewayLbrEnabledUserOverride',
    'FailoverResponseCodes',
    'PidfLoSupported',
    'MediaRelayRoutingLocationOverride',
    'IPAddressVersion',
    'InboundTeamsNumberTranslationRules',
    'InboundPstnNumberTranslationRules',
    'OutboundTeamsNumberTranslationRules',
    'OutboundPstnNumberTranslationRules',
  ],
};

/** List-valued parameters: an array, one string, null, or a hashtable `{Add|Remove|Replace}` of those ([MS]). */
const LISTS = new Set(
  ['Usage', 'OnlinePstnGatewayList', 'OnlinePstnUsages'].concat(
    PARAMETERS.OnlinePSTNGateway.filter((p) => p.endsWith('TranslationRules')),
  ),
);

/** `Tag:<name>` for a policy instance (Global stays Global), as the service stores it ([GT]). */
export const policyInstance = (identity: string) =>
  eq(identity, 'Global') ? 'Global' : `Tag:${identity.replace(/^tag:/i, '')}`;

/**
 * The `Key` envelope an instance carries in reads ([CIPP] sends it back on a Set). Its inner shape is the
 * emulator's approximation of the XDS identity the service uses (scope class, schema, authority); clients treat it
 * as opaque.
 */
export const keyOf = (tenant: Tenant, type: TypeName, identity: string) => ({
  ScopeClass: eq(identity, 'Global') ? 'Global' : 'Tag',
  SchemaId: { XName: { name: type } },
  AuthorityId: { Class: 'Tenant', InstanceId: tenant.id },
  DefaultXml: null,
  XmlRoot: { name: type },
  ...(eq(identity, 'Global') ? {} : { ScopeName: identity.replace(/^tag:/i, '') }),
});

/** An instance as the service answers it: its properties and its `Key`. */
export const withKey = (tenant: Tenant, type: TypeName, o: Obj): Obj => ({
  ...o,
  Key: keyOf(tenant, type, String(o.Identity)),
});

const strings = (v: unknown, field: string) => {
  if (v === null || typeof v === 'string') return;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return;
  throw badRequest(
    `Cannot convert the value of parameter '${field}' to a list of strings: expected a string, an array of strings or a hashtable @{Add=…; Remove=…; Replace=…}.`,
  );
};

/** One parameter's value: lists as above; anything else as the emulator's type checks in `teams.ts` decide. */
const checkValue = (field: string, value: unknown) => {
  if (!LISTS.has(field)) return;
  if (!isObject(value)) return strings(value, field);
  const keys = Object.keys(value);
  const bad = keys.find((k) => !['add', 'remove', 'replace'].includes(k.toLowerCase()));
  if (bad !== undefined || keys.length === 0)
    throw badRequest(
      `Invalid hashtable for parameter '${field}': only the keys Add, Remove and Replace are allowed${bad === undefined ? '' : ` (got '${bad}')`}.`,
    );
  for (const k of keys) strings(value[k], `${field}.${k}`);
};

/** The parameters of a body: each must be one of the cmdlet's, with a value of the right shape. */
const checkParameters = (type: TypeName, body: Obj, allowed: string[]) => {
  for (const [k, v] of Object.entries(body)) {
    const name = allowed.find((a) => eq(a, k));
    if (!name) throw badRequest(`A parameter cannot be found that matches parameter name '${k}'.`);
    checkValue(name, v);
  }
  void type;
};

/** `New-` ([GT]): POST with the parameters, Identity included (a gateway may name itself by Fqdn). */
export const checkNewBody = (type: TypeName, body: Obj) => {
  if (type === 'OnlinePstnUsages')
    throw badRequest(
      "OnlinePstnUsages has a single instance 'Global' and no New- cmdlet; use Set-CsOnlinePstnUsage -Identity Global -Usage @{Add=…}.",
    );
  checkParameters(type, body, ['Identity', ...PARAMETERS[type]]);
};

/**
 * `Set-` ([GT] without Identity; [CIPP] with `Identity` and the `Key` of a read): the body's Identity must name the
 * path's instance, its Key must be the instance's own.
 */
export const checkSetBody = (tenant: Tenant, type: TypeName, instanceIdentity: string, body: Obj): Obj => {
  checkParameters(type, body, ['Identity', 'Key', ...PARAMETERS[type]]);
  const out: Obj = {};
  for (const [k, v] of Object.entries(body)) {
    if (eq(k, 'Identity')) {
      const same =
        typeof v === 'string' &&
        (type === 'OnlineVoiceRoutingPolicy'
          ? eq(policyInstance(v), instanceIdentity)
          : eq(v, instanceIdentity));
      if (!same)
        throw badRequest(
          `The Identity in the body ('${String(v)}') does not name the instance of the request path ('${instanceIdentity}').`,
        );
      continue;
    }
    if (eq(k, 'Key')) {
      if (JSON.stringify(v) !== JSON.stringify(keyOf(tenant, type, instanceIdentity)))
        throw badRequest(
          `The Key in the body is not the Key of '${instanceIdentity}': read the instance and send its Key back unchanged.`,
        );
      continue;
    }
    out[k] = v;
  }
  return out;
};

/** `Grant-Cs…Policy -Global` ([GT]): `{PolicyName}` only; a string (`Tag:<name>` or bare) or null (revert). */
export const checkGrantBody = (body: Obj): string | null => {
  const keys = Object.keys(body);
  if (keys.some((k) => eq(k, 'PolicyType')))
    throw badRequest(
      "A parameter cannot be found that matches parameter name 'PolicyType': the policy type is the last segment of the request path.",
    );
  const extra = keys.find((k) => !eq(k, 'PolicyName'));
  if (extra !== undefined)
    throw badRequest(`A parameter cannot be found that matches parameter name '${extra}'.`);
  if (!keys.length) throw badRequest("Missing required parameter 'PolicyName'.");
  const name = body[keys[0]!];
  if (name !== null && typeof name !== 'string')
    throw badRequest("Invalid value for parameter 'PolicyName': expected a policy name or null.");
  return name === null || name.trim() === '' || eq(name.trim(), 'Global') ? null : name.trim();
};

/**
 * The policy granted tenant-wide per tenant and policy type (the instance's Identity, `Tag:…`); none: the Global
 * instance applies. Keyed by the tenant object, so a reset (new tenants) clears it; read by the control API.
 */
export const globalGrants = new WeakMap<Tenant, Map<string, string>>();
