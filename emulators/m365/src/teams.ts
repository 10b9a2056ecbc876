import { authenticate, type Caller } from './auth.ts';
import { TEAMS_ADMIN, TEAMS_ADMIN_ROLES } from './catalog.ts';
import type { Emu } from './context.ts';
import { graphError, isObject, route, type Ctx, type Reply, type Route } from './http.ts';
import type { Tenant } from './state.ts';
import {
  checkGrantBody,
  checkNewBody,
  checkSetBody,
  globalGrants,
  withKey,
  type Obj,
  type TypeName,
} from './teams-shapes.ts';

/**
 * The Teams admin "ConfigAPI" (api.interfaces.records.teams.microsoft.com) for Direct Routing voice configuration.
 *
 * [UNDOCUMENTED] Microsoft does not document this surface. Paths, verbs and the PascalCase bodies (the cmdlets'
 * parameter names) follow third-party clients that reproduce the MicrosoftTeams module; which shapes are accepted
 * and why is `teams-shapes.ts` (with its sources):
 *   GET    /Skype.Policy/configurations/{Type}                         → array of instances (each with its Key)
 *   POST   /Skype.Policy/configurations/{Type}                         New-: cmdlet parameters (with Identity)
 *   GET    /Skype.Policy/configurations/{Type}/configuration/{Identity}
 *   PUT    /Skype.Policy/configurations/{Type}/configuration/{Identity} Set-: parameters (no Identity, or Identity +
 *                                                                       the Key of a read); 404 if it does not exist
 *   DELETE /Skype.Policy/configurations/{Type}/configuration/{Identity}
 *   PATCH  /Skype.Policy/tenants/policies/{PolicyType}                 Grant-…-Global: body {PolicyName} (null: revert)
 *   GET    /Skype.Policy/tenants/policies/{PolicyType}                 404: no public client reads a grant back
 * Only OnlineVoiceRoutingPolicy can be granted here.
 * List-valued parameters accept an array (replace) or a PowerShell-style hashtable `{Add, Remove, Replace}`.
 * Error bodies are `{error:{code,message}}` (what go-teams parses); their texts are the emulator's, except the
 * gateway domain message, which is Microsoft's cmdlet text (reference §5.1).
 *
 * Authorisation (reference §4.4): a token for the "Skype and Teams Tenant Admin API" whose `wids` carry a Teams
 * admin directory role (Teams Administrator, Teams Communications/Telephony Administrator or Global Administrator);
 * delegated tokens also need the `user_impersonation` scope. A missing role is 403.
 */

const TYPES: TypeName[] = [
  'OnlinePstnUsages',
  'OnlineVoiceRoute',
  'OnlineVoiceRoutingPolicy',
  'OnlinePSTNGateway',
];

const err = (status: number, code: string, message: string) => graphError(status, code, message);
const badRequest = (message: string) => err(400, 'BadRequest', message);
const notFound = (type: string, identity: string) =>
  err(404, 'NotFound', `No ${type} instance with Identity '${identity}' was found.`);

const ciGet = (o: Obj, key: string) => {
  const k = Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : o[k];
};
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A list parameter: array/string replaces; `{Add, Remove, Replace}` edits, as PowerShell hashtables do. */
const applyList = (current: string[], value: unknown, field: string): string[] => {
  if (value === undefined) return current;
  if (value === null) return [];
  const strings = (v: unknown): string[] => {
    if (v === undefined || v === null) return [];
    const arr = Array.isArray(v) ? v : [v];
    if (!arr.every((x) => typeof x === 'string')) throw badRequest(`Invalid value for parameter '${field}'.`);
    return arr as string[];
  };
  if (!isObject(value)) return strings(value);
  const replace = ciGet(value, 'Replace');
  let out = replace !== undefined ? strings(replace) : [...current];
  for (const a of strings(ciGet(value, 'Add'))) if (!out.some((x) => eq(x, a))) out.push(a);
  const remove = strings(ciGet(value, 'Remove'));
  out = out.filter((x) => !remove.some((r) => eq(r, x)));
  return out;
};

export const teamsRoutes = (emu: Emu): Route[] => {
  const { world } = emu;
  /** The voice routing policy granted as the tenant's global default (`Tag:…`), if any (`teams-shapes.ts`). */
  const grantedOf = (t: Tenant) => globalGrants.get(t)?.get('OnlineVoiceRoutingPolicy');

  const caller = async (ctx: Ctx, requireRole = true): Promise<Caller> => {
    const c = await authenticate(emu, ctx, TEAMS_ADMIN, (message) => err(401, 'Unauthorized', message));
    if (!c.isApp && !c.scp.some((s) => eq(s, 'user_impersonation')))
      throw err(403, 'Forbidden', "The token does not carry the 'user_impersonation' scope.");
    if (requireRole && !c.wids.some((w) => TEAMS_ADMIN_ROLES.includes(w)))
      throw err(
        403,
        'Forbidden',
        'Access denied: the caller has no Teams administrator directory role in this tenant (for an app, assign the role to its service principal and acquire a new token).',
      );
    return c;
  };

  const typeOf = (raw: string): TypeName => {
    const t = TYPES.find((x) => eq(x, raw));
    if (!t) throw err(404, 'NotFound', `Configuration type '${raw}' is not emulated.`);
    return t;
  };

  // ------------------------------------------------------------------ validation shared by types

  /** Usages must exist in the tenant's Global PSTN usage list before routes or policies reference them. */
  const checkUsages = (t: Tenant, usages: string[]) => {
    for (const u of usages)
      if (!t.teams.usages.some((x) => eq(x, u)))
        throw badRequest(`PSTN usage '${u}' does not exist. Add it to the Global OnlinePstnUsages first.`);
  };

  /** The registered domain a gateway FQDN falls under: the FQDN itself or its parent (host label removed), §5.1/§5.9. */
  const gatewayDomain = (t: Tenant, fqdn: string) => {
    const parent = fqdn.split('.').slice(1).join('.');
    return t.domains.find((d) => d.isVerified && (d.id === fqdn || d.id === parent));
  };

  /**
   * A voice route's gateway is either an OnlinePSTNGateway of the tenant or a derived trunk (carrier model, §5.2):
   * its FQDN is a domain verified in the tenant and activated by a Teams-licensed user with a UPN on it.
   */
  const checkGateways = (t: Tenant, gateways: string[]) => {
    for (const g of gateways.map((x) => x.toLowerCase())) {
      if (t.teams.gateways.some((x) => eq(String(x.Identity), g))) continue;
      const d = gatewayDomain(t, g);
      if (!d)
        throw badRequest(
          `Cannot find specified Gateway ${g}: its domain is not a verified domain of this tenant.`,
        );
      const since = world.activatedSince(t, d.id);
      if (since === null)
        throw badRequest(
          `Cannot find specified Gateway ${g}: the domain ${d.id} is verified but not activated (no Teams-licensed user has a user name on it).`,
        );
      // Microsoft takes a while (up to 24 hours) to accept a newly activated domain; the emulator's delay is a setting.
      const ready = since + emu.settings.teamsActivationDelaySeconds * 1000;
      if (Date.now() < ready)
        throw badRequest(
          `Cannot find specified Gateway ${g}: the domain ${d.id} was activated ${Math.round((Date.now() - since) / 1000)} s ago and is not provisioned for Direct Routing yet.`,
        );
    }
  };

  const int = (v: unknown, field: string, min: number, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw badRequest(`Invalid value for parameter '${field}': expected an integer from ${min} to ${max}.`);
    return v;
  };

  // ------------------------------------------------------------------ per type

  const policyId = (identity: string) =>
    eq(identity, 'Global') ? 'Global' : identity.replace(/^tag:/i, '').replace(/^/, 'Tag:');

  const find = (t: Tenant, type: TypeName, identity: string): Obj | undefined => {
    switch (type) {
      case 'OnlinePstnUsages':
        return eq(identity, 'Global') ? { Identity: 'Global', Usage: [...t.teams.usages] } : undefined;
      case 'OnlineVoiceRoute':
        return t.teams.routes.find((r) => eq(String(r.Identity), identity));
      case 'OnlineVoiceRoutingPolicy':
        return t.teams.policies.find((p) => eq(String(p.Identity), policyId(identity)));
      case 'OnlinePSTNGateway':
        return t.teams.gateways.find((g) => eq(String(g.Identity), identity));
    }
  };

  const list = (t: Tenant, type: TypeName): Obj[] => {
    switch (type) {
      case 'OnlinePstnUsages':
        return [{ Identity: 'Global', Usage: [...t.teams.usages] }];
      case 'OnlineVoiceRoute':
        return [...t.teams.routes].sort((a, b) => Number(a.Priority) - Number(b.Priority));
      case 'OnlineVoiceRoutingPolicy':
        return t.teams.policies;
      case 'OnlinePSTNGateway':
        return t.teams.gateways;
    }
  };

  /** Create (existing = undefined) or update an instance from cmdlet-style parameters. */
  const save = (t: Tenant, type: TypeName, identity: string, params: Obj, existing: Obj | undefined): Obj => {
    const p = (k: string) => ciGet(params, k);
    switch (type) {
      case 'OnlinePstnUsages': {
        if (!eq(identity, 'Global'))
          throw badRequest("OnlinePstnUsages has a single instance with Identity 'Global'.");
        const next = applyList(t.teams.usages, p('Usage'), 'Usage');
        const removed = t.teams.usages.filter((u) => !next.some((n) => eq(n, u)));
        for (const u of removed) {
          const user =
            t.teams.routes.find((r) => (r.OnlinePstnUsages as string[]).some((x) => eq(x, u))) ??
            t.teams.policies.find((x) => (x.OnlinePstnUsages as string[]).some((y) => eq(y, u)));
          if (user)
            throw badRequest(`Cannot remove PSTN usage '${u}': it is used by '${String(user.Identity)}'.`);
        }
        t.teams.usages = next;
        return { Identity: 'Global', Usage: [...next] };
      }
      case 'OnlineVoiceRoute': {
        const cur = existing ?? {
          Identity: identity,
          Name: identity,
          Description: '',
          NumberPattern: '[0-9]{10}',
          OnlinePstnUsages: [],
          OnlinePstnGatewayList: [],
          Priority: t.teams.routes.length,
          BridgeSourcePhoneNumber: null,
        };
        const next: Obj = { ...cur };
        if (p('Description') !== undefined) next.Description = String(p('Description') ?? '');
        if (p('NumberPattern') !== undefined) {
          const pattern = String(p('NumberPattern'));
          try {
            new RegExp(pattern);
          } catch {
            throw badRequest(
              `Invalid value for parameter 'NumberPattern': '${pattern}' is not a valid regular expression.`,
            );
          }
          next.NumberPattern = pattern;
        }
        if (p('Priority') !== undefined) next.Priority = int(p('Priority'), 'Priority', 0, 1_000_000);
        if (p('BridgeSourcePhoneNumber') !== undefined)
          next.BridgeSourcePhoneNumber = p('BridgeSourcePhoneNumber');
        next.OnlinePstnUsages = applyList(
          cur.OnlinePstnUsages as string[],
          p('OnlinePstnUsages'),
          'OnlinePstnUsages',
        );
        next.OnlinePstnGatewayList = applyList(
          cur.OnlinePstnGatewayList as string[],
          p('OnlinePstnGatewayList'),
          'OnlinePstnGatewayList',
        ).map((g) => g.toLowerCase());
        checkUsages(t, next.OnlinePstnUsages as string[]);
        checkGateways(t, next.OnlinePstnGatewayList as string[]);
        if (existing) Object.assign(existing, next);
        else t.teams.routes.push(next);
        return next;
      }
      case 'OnlineVoiceRoutingPolicy': {
        const id = policyId(identity);
        const cur = existing ?? { Identity: id, OnlinePstnUsages: [], Description: '', RouteType: 'BYOT' };
        const next: Obj = { ...cur };
        if (p('Description') !== undefined) next.Description = String(p('Description') ?? '');
        next.OnlinePstnUsages = applyList(
          cur.OnlinePstnUsages as string[],
          p('OnlinePstnUsages'),
          'OnlinePstnUsages',
        );
        checkUsages(t, next.OnlinePstnUsages as string[]);
        if (existing) Object.assign(existing, next);
        else t.teams.policies.push(next);
        return next;
      }
      case 'OnlinePSTNGateway': {
        const fqdn = String(p('Fqdn') ?? identity).toLowerCase();
        if (!eq(fqdn, identity)) throw badRequest('Identity and Fqdn of an OnlinePSTNGateway must be equal.');
        if (fqdn.length > 63)
          throw badRequest(`Invalid value for parameter 'Fqdn': '${fqdn}' is longer than 63 characters.`);
        if (!existing && !gatewayDomain(t, fqdn))
          throw badRequest(`Can't use the "${fqdn}" domain as it wasn't configured for this tenant.`);
        const port = p('SipSignalingPort') ?? p('SipSignallingPort');
        if (!existing && port === undefined)
          throw badRequest("Missing required parameter 'SipSignalingPort'.");
        const cur: Obj = existing ?? {
          Identity: fqdn,
          Fqdn: fqdn,
          SipSignalingPort: 5061,
          Description: '',
          FailoverTimeSeconds: 10,
          ForwardCallHistory: false,
          ForwardPai: false,
          SendSipOptions: true,
          MaxConcurrentSessions: null,
          Enabled: false,
          MediaBypass: false,
          BypassMode: 'None',
          ProxySbc: null,
          GatewaySiteId: '',
          GatewaySiteLbrEnabled: false,
          GatewayLbrEnabledUserOverride: false,
          FailoverResponseCodes: '408,503,504',
          PidfLoSupported: false,
          MediaRelayRoutingLocationOverride: null,
          IPAddressVersion: 'IPv4',
          InboundTeamsNumberTranslationRules: [],
          InboundPstnNumberTranslationRules: [],
          OutboundTeamsNumberTranslationRules: [],
          OutboundPstnNumberTranslationRules: [],
        };
        const next: Obj = { ...cur };
        if (port !== undefined) next.SipSignalingPort = int(port, 'SipSignalingPort', 1, 65535);
        for (const [k, v] of Object.entries(params)) {
          const key = Object.keys(cur).find((x) => eq(x, k));
          if (key && !['Identity', 'Fqdn', 'SipSignalingPort'].includes(key)) next[key] = v;
        }
        if (p('MaxConcurrentSessions') !== undefined && p('MaxConcurrentSessions') !== null)
          next.MaxConcurrentSessions = int(p('MaxConcurrentSessions'), 'MaxConcurrentSessions', 1, 100_000);
        if (existing) Object.assign(existing, next);
        else t.teams.gateways.push(next);
        return next;
      }
    }
  };

  const remove = (t: Tenant, type: TypeName, identity: string) => {
    const o = find(t, type, identity);
    if (!o) throw notFound(type, identity);
    switch (type) {
      case 'OnlinePstnUsages':
        throw badRequest("The Global OnlinePstnUsages instance cannot be removed; set 'Usage' instead.");
      case 'OnlineVoiceRoute':
        t.teams.routes.splice(t.teams.routes.indexOf(o), 1);
        return;
      case 'OnlineVoiceRoutingPolicy': {
        if (o.Identity === 'Global') {
          o.OnlinePstnUsages = [];
          return;
        }
        const granted = grantedOf(t);
        if (granted !== undefined && eq(granted, String(o.Identity)))
          throw badRequest(
            `Cannot remove policy '${String(o.Identity)}': it is granted as the tenant's global policy. Grant another policy (or none) globally first.`,
          );
        t.teams.policies.splice(t.teams.policies.indexOf(o), 1);
        return;
      }
      case 'OnlinePSTNGateway': {
        const used = t.teams.routes.find((r) =>
          (r.OnlinePstnGatewayList as string[]).some((g) => eq(g, identity)),
        );
        if (used)
          throw badRequest(
            `Cannot remove gateway '${identity}': it is used by voice route '${String(used.Identity)}'.`,
          );
        t.teams.gateways.splice(t.teams.gateways.indexOf(o), 1);
      }
    }
  };

  const readBody = async (ctx: Ctx): Promise<Obj> => {
    const b = await ctx.readJson();
    if (!isObject(b)) throw badRequest('The request body must be a JSON object of cmdlet parameters.');
    return b;
  };

  // ------------------------------------------------------------------ tenant-wide grant

  /** The policy type of a tenant-wide grant: only voice routing policies here. */
  const grantTypeOf = (raw: string): 'OnlineVoiceRoutingPolicy' => {
    if (eq(raw, 'OnlineVoiceRoutingPolicy')) return 'OnlineVoiceRoutingPolicy';
    if (TYPES.some((x) => eq(x, raw)))
      throw badRequest(`'${raw}' is not a policy type; only policies are granted.`);
    throw err(404, 'NotFound', `Policy type '${raw}' is not emulated.`);
  };

  const grantOf = (t: Tenant) => {
    const granted = grantedOf(t);
    return {
      PolicyType: 'OnlineVoiceRoutingPolicy',
      PolicyName: granted === undefined ? null : granted,
    };
  };

  /** `{PolicyName}` (`checkGrantBody`): a policy of the tenant (`Tag:<name>` or bare), or null / `Global`. */
  const grant = (t: Tenant, type: string, body: Obj) => {
    const name = checkGrantBody(body);
    const grants = globalGrants.get(t) ?? new Map<string, string>();
    globalGrants.set(t, grants);
    if (name === null) {
      grants.delete(type);
      return;
    }
    const policy = find(t, 'OnlineVoiceRoutingPolicy', name);
    if (!policy)
      throw badRequest(
        `Policy '${name.replace(/^tag:/i, '')}' of type ${type} was not found in this tenant.`,
      );
    grants.set(type, String(policy.Identity));
  };

  const G = '/Skype.Policy/tenants/policies/:type';
  const P = '/Skype.Policy/configurations/:type';
  return [
    route('GET', '/Teams.Tenant/serviceDiscovery', async (ctx) => {
      await caller(ctx, false);
      const host = new URL(emu.baseUrl).host;
      return {
        status: 200,
        json: {
          Endpoints: { ConfigApiEndpoint: host, AdminServiceEndpoint: host },
          Headers: { 'X-MS-Forest': 'emu' },
        },
      };
    }),
    route('GET', P, async (ctx) => {
      const { tenant } = await caller(ctx);
      const type = typeOf(ctx.params.type!);
      return { status: 200, json: list(tenant, type).map((o) => withKey(tenant, type, o)) };
    }),
    route('POST', P, async (ctx): Promise<Reply> => {
      const { tenant } = await caller(ctx);
      const type = typeOf(ctx.params.type!);
      const body = await readBody(ctx);
      checkNewBody(type, body);
      const identity = String(
        ciGet(body, 'Identity') ??
          (type === 'OnlinePstnUsages'
            ? 'Global'
            : type === 'OnlinePSTNGateway'
              ? (ciGet(body, 'Fqdn') ?? '')
              : ''),
      );
      if (!identity) throw badRequest("Missing required parameter 'Identity'.");
      const existing = find(tenant, type, identity);
      if (existing && type !== 'OnlinePstnUsages')
        throw err(409, 'Conflict', `A ${type} instance with Identity '${identity}' already exists.`);
      return { status: 200, json: withKey(tenant, type, save(tenant, type, identity, body, existing)) };
    }),
    route('GET', `${P}/configuration/:identity`, async (ctx) => {
      const { tenant } = await caller(ctx);
      const type = typeOf(ctx.params.type!);
      const o = find(tenant, type, ctx.params.identity!);
      if (!o) throw notFound(type, ctx.params.identity!);
      return { status: 200, json: withKey(tenant, type, o) };
    }),
    route('PUT', `${P}/configuration/:identity`, async (ctx) => {
      const { tenant } = await caller(ctx);
      const type = typeOf(ctx.params.type!);
      const identity = ctx.params.identity!;
      const body = await readBody(ctx);
      // Set- changes an instance; only New- (POST) creates one (teams-shapes.ts).
      const existing = find(tenant, type, identity);
      if (!existing) throw notFound(type, identity);
      const params = checkSetBody(tenant, type, String(existing.Identity), body);
      return {
        status: 200,
        json: withKey(tenant, type, save(tenant, type, identity, params, existing)),
      };
    }),
    route('DELETE', `${P}/configuration/:identity`, async (ctx) => {
      const { tenant } = await caller(ctx);
      remove(tenant, typeOf(ctx.params.type!), ctx.params.identity!);
      return { status: 204 };
    }),
    route('GET', G, async (ctx) => {
      // No public client reads a tenant-wide grant back (teams-shapes.ts): answered as a path the service lacks.
      await caller(ctx);
      throw err(404, 'NotFound', `No resource at GET ${ctx.url.pathname}.`);
    }),
    route('PATCH', G, async (ctx) => {
      const { tenant } = await caller(ctx);
      const type = grantTypeOf(ctx.params.type!);
      grant(tenant, type, await readBody(ctx));
      return { status: 200, json: grantOf(tenant) };
    }),
  ];
};
