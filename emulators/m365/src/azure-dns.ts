import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { authenticate, type Caller } from './auth.ts';
import { AZURE_RESOURCE_MANAGER } from './catalog.ts';
import type { Emu } from './context.ts';
import { EmulatorError, isObject, readJsonObject, route, type Ctx, type Reply, type Route } from './http.ts';

/**
 * Azure DNS through Azure Resource Manager (management.azure.com), served under `{url}/arm`: the record-set
 * operations of the `Microsoft.Network/dnsZones` provider, api-version 2018-05-01 (learn.microsoft.com/rest/api/dns):
 *
 *   GET    /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/dnsZones/{zone}            zone
 *   GET    …/dnsZones/{zone}/recordsets                                                                 all sets
 *   GET    …/dnsZones/{zone}/{A|AAAA|TXT}                                                               List By Type
 *   GET    …/dnsZones/{zone}/{type}/{relativeName}                                                      Get
 *   PUT    …/dnsZones/{zone}/{type}/{relativeName}   If-Match / If-None-Match: *                        Create Or Update
 *   DELETE …/dnsZones/{zone}/{type}/{relativeName}   If-Match                                           Delete
 *
 * A record set is `{id, name, type, etag, properties: {TTL, fqdn, provisioningState, metadata?, ARecords |
 * AAAARecords | TXTRecords}}`; `@` names the apex. Every change gives the set a new etag (a GUID). `If-Match`
 * (an etag or `*`) makes a write or delete apply only to the set as last read; `If-None-Match: *` makes a PUT only
 * create; a failed condition is 412 `PreconditionFailed` and changes nothing. PUT answers 201 when it created the
 * set, 200 when it replaced it; DELETE 200, or 204 when there was nothing to delete.
 *
 * Authorisation is ARM's: a bearer token of this emulator for `https://management.azure.com` (401
 * `AuthenticationFailed` / `InvalidAuthenticationToken` / `ExpiredAuthenticationToken` otherwise), then RBAC: the
 * token's principal (`oid`: an app's service principal) needs a role assignment whose scope contains the resource
 * and whose role allows the action (`Microsoft.Network/dnszones/{type}/read|write|delete`), else 403
 * `AuthorizationFailed`. Role assignments and zones exist only through the control API
 * (`control.assignArmRole`, `control.createDnsZone`). Roles: `DNS Zone Contributor` (`Microsoft.Network/dnsZones/*`),
 * `Reader` (every read action), `Contributor` and `Owner` (everything). As in ARM the checks run in this order: token,
 * subscription (404 `SubscriptionNotFound`), role (403), resource group (404 `ResourceGroupNotFound`), zone (404
 * `ParentResourceNotFound` below a zone, `ResourceNotFound` for the zone itself), record set (404 `NotFound`).
 *
 * Not emulated: other record types (CAA, CNAME, MX, NS, PTR, SOA, SRV answer 400), the apex SOA/NS sets, alias
 * record sets (`targetResource`), PATCH, zone writes through ARM, paging (`$top`, `nextLink`), the binding of a
 * subscription to one Entra tenant (a role assignment names the tenant of its principal instead), v1 tokens
 * (`iss` https://sts.windows.net/…); the zones are not served over DNS, so Graph's domain verification keeps using
 * the emulator's `dnsResolver`. Error texts for 404/403/412 follow Azure's; the 400 texts are the emulator's.
 */

const API_VERSIONS = ['2018-05-01', '2017-10-01', '2017-09-01', '2023-07-01-preview'];
const RECORD_TYPES = ['A', 'AAAA', 'TXT'] as const;
const AZURE_ONLY_TYPES = ['CAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV'];
/** Azure DNS limits: records per record set; TXT: 255 bytes per string, 4096 per record. */
const MAX_RECORDS = 20;
const MAX_TXT_STRING = 255;
const MAX_TXT_RECORD = 4096;
const NAME_SERVERS = [
  'ns1-01.azure-dns.com.',
  'ns2-01.azure-dns.net.',
  'ns3-01.azure-dns.org.',
  'ns4-01.azure-dns.info.',
];

type RecordType = (typeof RECORD_TYPES)[number];
/** One record as ARM writes it: `{ipv4Address}`, `{ipv6Address}` or `{value: string[]}`. */
type ArmRecord = { ipv4Address: string } | { ipv6Address: string } | { value: string[] };
type RecordSet = {
  name: string;
  type: RecordType;
  ttl: number;
  etag: string;
  metadata?: Record<string, string>;
  records: ArmRecord[];
};
type Zone = {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  etag: string;
  /** Key: `TYPE/name` (lower-case name). */
  recordSets: Map<string, RecordSet>;
};
type RoleName = 'DNS Zone Contributor' | 'Reader' | 'Contributor' | 'Owner';
type RoleAssignment = {
  id: string;
  tenantId: string;
  principalId: string;
  appId: string;
  roleDefinitionName: RoleName;
  scope: string;
};
type ArmState = { zones: Zone[]; assignments: RoleAssignment[] };

/** Allowed actions per role, as glob patterns (ARM's `actions` of the built-in roles, reduced to what is emulated). */
const ROLES: Record<RoleName, string[]> = {
  'DNS Zone Contributor': ['Microsoft.Network/dnsZones/*'],
  Reader: ['*/read'],
  Contributor: ['*'],
  Owner: ['*'],
};
const RECORD_KEYS: Record<RecordType, string> = { A: 'ARecords', AAAA: 'AAAARecords', TXT: 'TXTRecords' };
const OTHER_RECORD_KEYS = [
  'ARecords',
  'AAAARecords',
  'TXTRecords',
  'CNAMERecord',
  'MXRecords',
  'NSRecords',
  'PTRRecords',
  'SOARecord',
  'SRVRecords',
  'caaRecords',
];

/** The ARM state of each running emulator, kept beside `Emu` rather than in it. */
const states = new WeakMap<Emu, ArmState>();
const stateOf = (emu: Emu): ArmState => {
  let state = states.get(emu);
  if (!state) states.set(emu, (state = { zones: [], assignments: [] }));
  return state;
};

const lower = (s: string) => s.toLowerCase();
const armError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  new EmulatorError(status, code, message, headers ? { headers } : {});
const badRequest = (message: string) => armError(400, 'BadRequest', message);

const LABEL = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?|\*)$/;
const isDnsName = (name: string) =>
  name.length > 0 && name.length <= 253 && name.split('.').every((label) => LABEL.test(label));

const zoneId = (z: Pick<Zone, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `/subscriptions/${z.subscriptionId}/resourceGroups/${z.resourceGroup}/providers/Microsoft.Network/dnszones/${z.name}`;

const recordSetJson = (zone: Zone, set: RecordSet) => ({
  id: `${zoneId(zone)}/${set.type}/${set.name}`,
  name: set.name,
  type: `Microsoft.Network/dnszones/${set.type}`,
  etag: set.etag,
  properties: {
    ...(set.metadata ? { metadata: set.metadata } : {}),
    TTL: set.ttl,
    fqdn: `${set.name === '@' ? zone.name : `${set.name}.${zone.name}`}.`,
    provisioningState: 'Succeeded',
    targetResource: {},
    [RECORD_KEYS[set.type]]: structuredClone(set.records),
  },
});

const zoneJson = (zone: Zone) => ({
  id: zoneId(zone),
  name: zone.name,
  type: 'Microsoft.Network/dnszones',
  location: 'global',
  etag: zone.etag,
  tags: {},
  properties: {
    maxNumberOfRecordSets: 10000,
    maxNumberOfRecordsPerRecordSet: MAX_RECORDS,
    numberOfRecordSets: zone.recordSets.size,
    nameServers: NAME_SERVERS,
    zoneType: 'Public',
  },
});

/** ARM's error body `{error:{code,message}}` with its request id headers; used by `index.ts` for this surface. */
export const armErrorReply = (e: EmulatorError, ctx: Ctx): Reply => ({
  status: e.status,
  headers: { ...armHeaders(ctx), ...e.headers },
  json: { error: { code: e.code, message: e.message } },
});

const armHeaders = (ctx: Ctx): Record<string, string> => {
  const correlation = ctx.req.headers['x-ms-correlation-request-id'];
  return {
    'x-ms-request-id': ctx.requestId,
    'x-ms-correlation-request-id':
      typeof correlation === 'string' && correlation ? correlation : ctx.requestId,
  };
};

/** The value of a property whatever its case (ARM reads JSON property names case-insensitively). */
const prop = (o: Record<string, unknown>, key: string) => {
  const k = Object.keys(o).find((x) => lower(x) === lower(key));
  return k === undefined ? undefined : o[k];
};

/** The records of a PUT body for `type`, checked; throws 400 with the reason. */
const parseRecords = (type: RecordType, properties: Record<string, unknown>): ArmRecord[] => {
  for (const key of OTHER_RECORD_KEYS) {
    if (lower(key) === lower(RECORD_KEYS[type])) continue;
    const other = prop(properties, key);
    if (other !== undefined && other !== null && !(Array.isArray(other) && other.length === 0))
      throw badRequest(`A record set of type ${type} cannot hold ${key}.`);
  }
  if (prop(properties, 'targetResource') !== undefined && isObject(prop(properties, 'targetResource'))) {
    const target = prop(properties, 'targetResource') as Record<string, unknown>;
    if (prop(target, 'id')) throw badRequest('Alias record sets (targetResource) are not emulated.');
  }
  const raw = prop(properties, RECORD_KEYS[type]) ?? [];
  if (!Array.isArray(raw)) throw badRequest(`properties.${RECORD_KEYS[type]} must be an array.`);
  if (raw.length > MAX_RECORDS)
    throw badRequest(`A record set may hold at most ${MAX_RECORDS} records; ${raw.length} were given.`);
  const records = raw.map((r: unknown, i): ArmRecord => {
    if (!isObject(r)) throw badRequest(`properties.${RECORD_KEYS[type]}[${i}] must be an object.`);
    if (type === 'A') {
      const ip = prop(r, 'ipv4Address');
      if (typeof ip !== 'string' || !net.isIPv4(ip))
        throw badRequest(`properties.ARecords[${i}].ipv4Address is not a valid IPv4 address.`);
      return { ipv4Address: ip };
    }
    if (type === 'AAAA') {
      const ip = prop(r, 'ipv6Address');
      if (typeof ip !== 'string' || !net.isIPv6(ip) || ip.includes('%'))
        throw badRequest(`properties.AAAARecords[${i}].ipv6Address is not a valid IPv6 address.`);
      return { ipv6Address: ip };
    }
    const value = prop(r, 'value');
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string'))
      throw badRequest(`properties.TXTRecords[${i}].value must be a non-empty list of strings.`);
    const strings = value as string[];
    const long = strings.find((v) => Buffer.byteLength(v, 'utf8') > MAX_TXT_STRING);
    if (long !== undefined)
      throw badRequest(
        `properties.TXTRecords[${i}].value has a string of ${Buffer.byteLength(long, 'utf8')} bytes; each string may be at most ${MAX_TXT_STRING} (split longer text into several strings).`,
      );
    if (strings.reduce((n, v) => n + Buffer.byteLength(v, 'utf8'), 0) > MAX_TXT_RECORD)
      throw badRequest(`properties.TXTRecords[${i}] is longer than ${MAX_TXT_RECORD} bytes.`);
    return { value: [...strings] };
  });
  const keys = records.map((r) =>
    'value' in r ? JSON.stringify(r.value) : lower(Object.values(r)[0] as string),
  );
  if (new Set(keys).size !== keys.length) throw badRequest('The record set contains duplicate records.');
  return records;
};

/** An etag as a header carries it: quoted or not, possibly weak (`W/"…"`). */
const bareEtag = (v: string) =>
  v
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');

const header = (ctx: Ctx, name: string) => {
  const v = ctx.req.headers[name];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
};

/** The glob of a role action, matched case-insensitively (`*` spans `/`). */
const allows = (pattern: string, action: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  ).test(action);

const inScope = (scope: string, resourceId: string) => {
  const s = lower(scope).replace(/\/+$/, '');
  const r = lower(resourceId);
  return r === s || r.startsWith(`${s}/`);
};

export const armRoutes = (emu: Emu): Route[] => {
  const state = () => stateOf(emu);

  const caller = (ctx: Ctx): Promise<Caller> =>
    authenticate(emu, ctx, AZURE_RESOURCE_MANAGER, (message) => {
      const challenge = {
        'www-authenticate': `Bearer authorization_uri="${emu.baseUrl}/common", error="invalid_token", error_description="${message}"`,
      };
      if (message === 'Access token is empty.')
        return armError(
          401,
          'AuthenticationFailed',
          "Authentication failed. The 'Authorization' header is missing.",
          challenge,
        );
      if (message.includes('expired'))
        return armError(401, 'ExpiredAuthenticationToken', 'The access token has expired.', challenge);
      if (message.includes('audience'))
        return armError(
          401,
          'InvalidAuthenticationToken',
          `The access token has an invalid audience: it must be for ${AZURE_RESOURCE_MANAGER.audience}.`,
          challenge,
        );
      return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge);
    });

  const checkApiVersion = (ctx: Ctx) => {
    const v = ctx.url.searchParams.get('api-version');
    if (!v)
      throw armError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    if (!API_VERSIONS.includes(v))
      throw armError(
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location 'global' and API version '${v}' for type 'dnszones'. The supported api-versions are '${API_VERSIONS.join(', ')}'.`,
      );
  };

  const recordType = (raw: string): RecordType => {
    const t = RECORD_TYPES.find((x) => x === raw.toUpperCase());
    if (t) return t;
    if (AZURE_ONLY_TYPES.includes(raw.toUpperCase()))
      throw badRequest(`Record sets of type ${raw.toUpperCase()} are not emulated (only A, AAAA and TXT).`);
    throw badRequest(`The record type '${raw}' is not supported.`);
  };

  /**
   * Token, subscription, RBAC for `action` on `resourceId`, resource group, zone: in ARM's order. `nested` says
   * whether the resource lies below the zone (ParentResourceNotFound) or is the zone (ResourceNotFound).
   */
  const locate = async (ctx: Ctx, action: string, nested: boolean, suffix = ''): Promise<Zone> => {
    checkApiVersion(ctx);
    const c = await caller(ctx);
    const { sub = '', rg = '', zone: zoneName = '' } = ctx.params;
    const zones = state().zones.filter((z) => lower(z.subscriptionId) === lower(sub));
    if (!zones.length)
      throw armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    const resourceId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/dnszones/${zoneName}${suffix}`;
    const permitted = state().assignments.some(
      (a) =>
        a.tenantId === c.tenant.id &&
        a.principalId === c.oid &&
        inScope(a.scope, resourceId) &&
        ROLES[a.roleDefinitionName].some((p) => allows(p, action)),
    );
    if (!permitted)
      throw armError(
        403,
        'AuthorizationFailed',
        `The client '${c.appId || c.oid}' with object id '${c.oid}' does not have authorization to perform action '${action}' over scope '${resourceId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    const inGroup = zones.filter((z) => lower(z.resourceGroup) === lower(rg));
    if (!inGroup.length)
      throw armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
    const zone = inGroup.find((z) => z.name === lower(zoneName));
    if (!zone)
      throw nested
        ? armError(
            404,
            'ParentResourceNotFound',
            `Can not perform requested operation on nested resource. Parent resource '${zoneName}' not found.`,
          )
        : armError(
            404,
            'ResourceNotFound',
            `The Resource 'Microsoft.Network/dnszones/${zoneName}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
          );
    return zone;
  };

  /** The relative record set name from the path: `@` or labels below the zone, lower-cased. */
  const relativeName = (raw: string) => {
    const name = lower(raw);
    if (name !== '@' && !isDnsName(name))
      throw badRequest(`The record set name '${raw}' is not a valid relative DNS name ('@' for the apex).`);
    return name;
  };

  const ok = (ctx: Ctx, status: number, json?: unknown): Reply => ({
    status,
    headers: armHeaders(ctx),
    ...(json === undefined ? {} : { json }),
  });

  const base = '/subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.Network/dnsZones/:zone';
  return [
    route('GET', base, async (ctx) =>
      ok(ctx, 200, zoneJson(await locate(ctx, 'Microsoft.Network/dnszones/read', false))),
    ),
    route('GET', `${base}/recordsets`, async (ctx) => {
      const zone = await locate(ctx, 'Microsoft.Network/dnszones/recordsets/read', true, '/recordsets');
      return ok(ctx, 200, { value: [...zone.recordSets.values()].map((s) => recordSetJson(zone, s)) });
    }),
    route('GET', `${base}/:type`, async (ctx) => {
      const type = recordType(ctx.params.type!);
      const zone = await locate(ctx, `Microsoft.Network/dnszones/${type}/read`, true, `/${type}`);
      const sets = [...zone.recordSets.values()].filter((s) => s.type === type);
      return ok(ctx, 200, { value: sets.map((s) => recordSetJson(zone, s)) });
    }),
    route('GET', `${base}/:type/:name`, async (ctx) => {
      const type = recordType(ctx.params.type!);
      const name = relativeName(ctx.params.name!);
      const zone = await locate(ctx, `Microsoft.Network/dnszones/${type}/read`, true, `/${type}/${name}`);
      const set = zone.recordSets.get(`${type}/${name}`);
      if (!set)
        throw armError(
          404,
          'NotFound',
          `The resource record '${name}' does not exist in resource group '${zone.resourceGroup}' of subscription '${zone.subscriptionId}'.`,
        );
      return ok(ctx, 200, recordSetJson(zone, set));
    }),
    route('PUT', `${base}/:type/:name`, async (ctx) => {
      const type = recordType(ctx.params.type!);
      const name = relativeName(ctx.params.name!);
      const zone = await locate(ctx, `Microsoft.Network/dnszones/${type}/write`, true, `/${type}/${name}`);
      const body = await ctx.readJson().catch(() => {
        throw badRequest('The request body is not valid JSON.');
      });
      if (!isObject(body)) throw badRequest('The request body must be a JSON object.');
      const properties = prop(body, 'properties');
      if (!isObject(properties)) throw badRequest("The request body must have a 'properties' object.");
      const ttl = prop(properties, 'TTL');
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > 2_147_483_647)
        throw badRequest('properties.TTL must be a whole number of seconds between 0 and 2147483647.');
      const metadata = prop(properties, 'metadata');
      if (
        metadata !== undefined &&
        metadata !== null &&
        !(isObject(metadata) && Object.values(metadata).every((v) => typeof v === 'string'))
      )
        throw badRequest('properties.metadata must be an object of strings.');
      const records = parseRecords(type, properties);

      const key = `${type}/${name}`;
      const existing = zone.recordSets.get(key);
      const ifMatch = header(ctx, 'if-match');
      const ifNoneMatch = header(ctx, 'if-none-match');
      if (ifMatch !== undefined && (!existing || (ifMatch !== '*' && bareEtag(ifMatch) !== existing.etag)))
        throw armError(
          412,
          'PreconditionFailed',
          existing
            ? `The record set '${name}' of type ${type} has been modified: its etag does not match If-Match.`
            : `The record set '${name}' of type ${type} does not exist, so If-Match cannot match.`,
        );
      if (ifNoneMatch === '*' && existing)
        throw armError(
          412,
          'PreconditionFailed',
          `The record set '${name}' of type ${type} exists already and hence cannot be created again.`,
        );
      const set: RecordSet = {
        name,
        type,
        ttl,
        etag: randomUUID(),
        ...(isObject(metadata) ? { metadata: metadata as Record<string, string> } : {}),
        records,
      };
      zone.recordSets.set(key, set);
      return ok(ctx, existing ? 200 : 201, recordSetJson(zone, set));
    }),
    route('DELETE', `${base}/:type/:name`, async (ctx) => {
      const type = recordType(ctx.params.type!);
      const name = relativeName(ctx.params.name!);
      const zone = await locate(ctx, `Microsoft.Network/dnszones/${type}/delete`, true, `/${type}/${name}`);
      const key = `${type}/${name}`;
      const existing = zone.recordSets.get(key);
      const ifMatch = header(ctx, 'if-match');
      if (ifMatch !== undefined && (!existing || (ifMatch !== '*' && bareEtag(ifMatch) !== existing.etag)))
        throw armError(
          412,
          'PreconditionFailed',
          `The record set '${name}' of type ${type} has been modified or deleted: its etag does not match If-Match.`,
        );
      if (!existing) return ok(ctx, 204);
      zone.recordSets.delete(key);
      return ok(ctx, 200);
    }),
  ];
};

/**
 * Control functions of the ARM surface, merged into `emulator.control` (`control.ts`): zones and role assignments
 * exist only through them, and `dnsRecordSets` reads a zone back without ARM (an independent check for tests).
 */
export const armControl = (emu: Emu) => {
  const invalid = (message: string) => new EmulatorError(400, 'invalid', message);
  const findZone = (subscriptionId: string, resourceGroup: string, zone: string) => {
    const z = stateOf(emu).zones.find(
      (x) =>
        lower(x.subscriptionId) === lower(subscriptionId) &&
        lower(x.resourceGroup) === lower(resourceGroup) &&
        x.name === lower(zone).replace(/\.$/, ''),
    );
    if (!z)
      throw new EmulatorError(
        404,
        'not_found',
        `No DNS zone '${zone}' in resource group '${resourceGroup}' of subscription '${subscriptionId}'`,
      );
    return z;
  };

  return {
    /** Back to no zones and no role assignments (part of `control.reset()`). */
    reset() {
      const s = stateOf(emu);
      s.zones = [];
      s.assignments = [];
    },
    control: {
      /** An empty public DNS zone `zone` in a resource group of a subscription (both come into being with it); idempotent. */
      createDnsZone(subscriptionId: string, resourceGroup: string, zone: string) {
        if (typeof subscriptionId !== 'string' || !/^[0-9a-z-]{1,64}$/i.test(subscriptionId))
          throw invalid('subscriptionId must be an id (a GUID in Azure)');
        if (
          typeof resourceGroup !== 'string' ||
          !/^[-\w.()]{1,90}$/.test(resourceGroup) ||
          resourceGroup.endsWith('.')
        )
          throw invalid('resourceGroup must be 1-90 letters, digits, -, _, ., ( or ) and not end with a dot');
        const name = typeof zone === 'string' ? lower(zone).replace(/\.$/, '') : '';
        if (!isDnsName(name) || !name.includes('.'))
          throw invalid('zone must be a DNS name with at least two labels');
        const s = stateOf(emu);
        let z = s.zones.find(
          (x) =>
            lower(x.subscriptionId) === lower(subscriptionId) &&
            lower(x.resourceGroup) === lower(resourceGroup) &&
            x.name === name,
        );
        if (!z) {
          z = { subscriptionId, resourceGroup, name, etag: randomUUID(), recordSets: new Map() };
          s.zones.push(z);
        }
        return zoneJson(z);
      },
      /**
       * An RBAC role assignment (default `DNS Zone Contributor`) for the service principal of `appId` in a tenant
       * (name, id or domain), at `scope`: `/subscriptions/{sub}`, `…/resourceGroups/{rg}` or a zone's id. Tokens
       * already issued are enough (ARM reads assignments on every call, unlike directory roles in `wids`).
       */
      assignArmRole(
        tenantKey: string,
        appId: string,
        scope: string,
        role: RoleName = 'DNS Zone Contributor',
      ) {
        const tenant = typeof tenantKey === 'string' ? emu.world.findTenant(tenantKey) : undefined;
        if (!tenant) throw new EmulatorError(404, 'not_found', `No tenant '${String(tenantKey)}'`);
        const sp = tenant.servicePrincipals.find(
          (x) => typeof appId === 'string' && x.appId === lower(appId),
        );
        if (!sp)
          throw new EmulatorError(
            404,
            'not_found',
            `App '${String(appId)}' has no service principal in tenant '${tenant.name}' (consent first)`,
          );
        if (typeof scope !== 'string' || !/^\/subscriptions\/[^/]+(\/.*)?$/i.test(scope))
          throw invalid("scope must be an ARM scope such as '/subscriptions/{id}/resourceGroups/{name}'");
        if (!Object.keys(ROLES).includes(role))
          throw invalid(`role must be one of ${Object.keys(ROLES).join(', ')}`);
        const assignment: RoleAssignment = {
          id: randomUUID(),
          tenantId: tenant.id,
          principalId: sp.id,
          appId: sp.appId,
          roleDefinitionName: role,
          scope: scope.replace(/\/+$/, ''),
        };
        stateOf(emu).assignments.push(assignment);
        return { ...assignment };
      },
      /** The record sets of a zone as ARM would answer them (TXT strings as stored, etags included). */
      dnsRecordSets(subscriptionId: string, resourceGroup: string, zone: string) {
        const z = findZone(subscriptionId, resourceGroup, zone);
        return [...z.recordSets.values()].map((s) => recordSetJson(z, s));
      },
    },
  };
};

export type ArmControl = ReturnType<typeof armControl>['control'];

/** `{url}/_control/arm/…`: the same functions over HTTP. */
export const armControlRoutes = (control: ArmControl): Route[] => {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return [
    route('POST', '/arm/dnsZones', async (ctx) => {
      const b = await readJsonObject(ctx);
      return {
        status: 200,
        json: control.createDnsZone(text(b.subscriptionId), text(b.resourceGroup), text(b.zone)),
      };
    }),
    route('POST', '/arm/roleAssignments', async (ctx) => {
      const b = await readJsonObject(ctx);
      return {
        status: 200,
        json: control.assignArmRole(
          text(b.tenant),
          text(b.appId),
          text(b.scope),
          (typeof b.role === 'string' ? b.role : undefined) as RoleName | undefined,
        ),
      };
    }),
    route('GET', '/arm/dnsZones/:sub/:rg/:zone/recordSets', (ctx) => ({
      status: 200,
      json: control.dnsRecordSets(ctx.params.sub!, ctx.params.rg!, ctx.params.zone!),
    })),
  ];
};
