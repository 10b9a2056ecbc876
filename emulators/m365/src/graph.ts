import { randomUUID } from 'node:crypto';
import { authenticate, isAllowed, type Caller, type Permission } from './auth.ts';
import { GRAPH, RESOURCES, role, ROLE_TEMPLATES } from './catalog.ts';
import type { Emu } from './context.ts';
import { graphError, isObject, route, type Ctx, type Reply, type Route } from './http.ts';
import {
  isoNow,
  newDomain,
  newRoleAssignmentId,
  type Domain,
  type ServicePrincipal,
  type Sku,
  type Tenant,
  type User,
} from './state.ts';
import { noteCreated, replicating, visibleLicences } from './replication.ts';
import { pairwiseSub } from './tokens.ts';

/**
 * Microsoft Graph v1.0, the part Trunkline uses (reference §3): organization, domains and their verification, users
 * and licences, subscribedSkus, service principals and directory role assignments. Mounted at `{url}/graph`, so the
 * Graph base URL is `{url}/graph/v1.0`. Every call needs a Graph token from this emulator; the token's `tid` is the
 * only tenant the call sees.
 */

type Json = Record<string, unknown>;

const R = {
  readOrg: {
    app: [
      'Organization.Read.All',
      'Organization.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
    delegated: [
      'User.Read',
      'Organization.Read.All',
      'Organization.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
  readDomains: {
    app: ['Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    delegated: [
      'Domain.Read.All',
      'Domain.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
  writeDomains: {
    app: ['Domain.ReadWrite.All'],
    delegated: ['Domain.ReadWrite.All', 'Directory.AccessAsUser.All'],
    userRoles: [role('Domain Name Administrator')],
  },
  readUsers: {
    app: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    delegated: [
      'User.ReadBasic.All',
      'User.Read.All',
      'User.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
  writeUsers: {
    app: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: ['User.ReadWrite.All', 'Directory.ReadWrite.All', 'Directory.AccessAsUser.All'],
    userRoles: [role('User Administrator')],
  },
  assignLicense: {
    app: ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
    userRoles: [role('License Administrator'), role('User Administrator')],
  },
  readSkus: {
    app: [
      'LicenseAssignment.Read.All',
      'LicenseAssignment.ReadWrite.All',
      'Organization.Read.All',
      'Organization.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
    delegated: [
      'LicenseAssignment.Read.All',
      'LicenseAssignment.ReadWrite.All',
      'Organization.Read.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
  },
  readApps: {
    app: [
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Application.ReadWrite.OwnedBy',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
    delegated: [
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
  writeApps: {
    app: ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'],
    delegated: ['Application.ReadWrite.All', 'Directory.AccessAsUser.All'],
    userRoles: [role('Application Administrator'), role('Cloud Application Administrator')],
  },
  readRoles: {
    app: [
      'RoleManagement.Read.Directory',
      'RoleManagement.ReadWrite.Directory',
      'RoleManagement.Read.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
    delegated: [
      'RoleManagement.Read.Directory',
      'RoleManagement.ReadWrite.Directory',
      'RoleManagement.Read.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
  writeRoles: {
    app: ['RoleManagement.ReadWrite.Directory'],
    delegated: ['RoleManagement.ReadWrite.Directory'],
    userRoles: [role('Privileged Role Administrator')],
  },
} satisfies Record<string, Permission>;

const UPN_LOCAL = /^[A-Za-z0-9'.\-_!#^~]+$/;
const FQDN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const bad = (message: string) => graphError(400, 'Request_BadRequest', message);
const notFound = (id: string) =>
  graphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
const invalidProp = (prop: string, type: string) =>
  bad(`Invalid value specified for property '${prop}' of resource '${type}'.`);

// ------------------------------------------------------------------ OData helpers

/** A small `$filter` subset: `prop eq|ne literal`, `startswith(prop,'x')`, joined with `and` / `or` (no parentheses). */
const compileFilter = (filter: string): ((o: Json) => boolean) => {
  const unsupported = () =>
    graphError(
      400,
      'Request_UnsupportedQuery',
      `Unsupported or invalid query filter clause specified for property '${filter}'.`,
    );
  const literal = (s: string): unknown => {
    if (/^'.*'$/.test(s)) return s.slice(1, -1).replace(/''/g, "'");
    if (s === 'true' || s === 'false') return s === 'true';
    if (s === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    if (/^[0-9a-f-]{36}$/i.test(s)) return s;
    throw unsupported();
  };
  const same = (a: unknown, b: unknown) =>
    typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
  const term = (t: string): ((o: Json) => boolean) => {
    let m = /^startswith\(\s*([\w/]+)\s*,\s*('(?:[^']|'')*')\s*\)$/i.exec(t);
    if (m) {
      const [prop, lit] = [m[1]!, literal(m[2]!) as string];
      return (o) =>
        typeof o[prop] === 'string' && (o[prop] as string).toLowerCase().startsWith(lit.toLowerCase());
    }
    m = /^([\w/]+)\s+(eq|ne)\s+(.+)$/i.exec(t);
    if (!m) throw unsupported();
    const [prop, op, value] = [m[1]!, m[2]!.toLowerCase(), literal(m[3]!.trim())];
    return op === 'eq' ? (o) => same(o[prop], value) : (o) => !same(o[prop], value);
  };
  const ors = filter.split(/\s+or\s+/i).map((part) => part.split(/\s+and\s+/i).map((t) => term(t.trim())));
  return (o) => ors.some((ands) => ands.every((f) => f(o)));
};

export const graphRoutes = (emu: Emu): Route[] => {
  const { world } = emu;
  const base = () => `${emu.baseUrl}/graph/v1.0`;
  const context = (name: string) => `${base()}/$metadata#${name}`;

  /** The `$select` list as asked (names as the caller wrote them), or null without one. */
  const selection = (ctx: Ctx) => {
    const s = ctx.url.searchParams.get('$select');
    return s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : null;
  };
  /**
   * `$select`: exactly the selected properties (not even `id` unless asked), in the representation's spelling; a
   * selected property the emulator does not model answers null, as Graph does for a property without a value.
   */
  const select = (ctx: Ctx, o: Json) => {
    const keep = selection(ctx);
    if (!keep) return o;
    return Object.fromEntries(
      keep.map((name) => {
        const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
        return k === undefined ? [name, null] : [k, o[k]];
      }),
    );
  };
  /** `@odata.context` names the selection: `$metadata#users(id,displayName)`. */
  const selected = (ctx: Ctx, name: string) => {
    const keep = selection(ctx);
    return keep ? `${name}(${keep.join(',')})` : name;
  };
  /**
   * `$count=true` is an advanced query on directory objects: it needs `ConsistencyLevel: eventual`, else Graph's
   * 400 (Microsoft's "advanced query capabilities on Microsoft Entra ID objects").
   */
  const counted = (ctx: Ctx) => {
    const c = ctx.url.searchParams.get('$count');
    if (c === null || c.toLowerCase() === 'false') return false;
    if (c.toLowerCase() !== 'true')
      throw graphError(400, 'BadRequest', `Invalid value '${c}' for the query option $count.`);
    const level = ctx.req.headers['consistencylevel'];
    if (typeof level !== 'string' || level.toLowerCase() !== 'eventual')
      throw graphError(400, 'Request_BadRequest', '$count is not currently supported.');
    return true;
  };

  /** `{ @odata.context, value }` with `$filter`, `$select`, `$top` and an opaque `$skiptoken` next link. */
  const collection = (ctx: Ctx, name: string, items: Json[], full: (o: Json) => Json = (o) => o): Reply => {
    const q = ctx.url.searchParams;
    const filter = q.get('$filter');
    let rows = filter ? items.filter((o) => compileFilter(filter)(full(o))) : items;
    const top = Math.min(Math.max(Number(q.get('$top') ?? 100) || 100, 1), 999);
    const skip = Number(Buffer.from(q.get('$skiptoken') ?? '', 'base64url').toString() || 0) || 0;
    const more = rows.length > skip + top;
    const count = counted(ctx) ? { '@odata.count': rows.length } : {};
    rows = rows.slice(skip, skip + top);
    const body: Json = {
      '@odata.context': context(selected(ctx, name)),
      ...count,
      value: rows.map((o) => select(ctx, o)),
    };
    if (more) {
      const next = new URLSearchParams(q);
      next.set('$skiptoken', Buffer.from(String(skip + top)).toString('base64url'));
      body['@odata.nextLink'] = `${base()}${ctx.path.replace(/^\/v1\.0/, '')}?${next.toString()}`;
    }
    return { status: 200, json: body };
  };

  const entity = (ctx: Ctx, name: string, o: Json, status = 200): Reply => ({
    status,
    json: { '@odata.context': context(`${selected(ctx, name)}/$entity`), ...select(ctx, o) },
  });

  /** Wraps a handler with authentication and a permission check. */
  const guarded =
    (perm: Permission, handler: (ctx: Ctx, caller: Caller) => Promise<Reply> | Reply) =>
    async (ctx: Ctx): Promise<Reply> => {
      const caller = await authenticate(emu, ctx, GRAPH, (message) =>
        graphError(401, 'InvalidAuthenticationToken', message, {
          'www-authenticate': `Bearer realm="", authorization_uri="${emu.baseUrl}/common/oauth2/authorize", client_id="${GRAPH.appId}"`,
        }),
      );
      if (!isAllowed(caller, perm))
        throw graphError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
        );
      return handler(ctx, caller);
    };

  const body = async (ctx: Ctx): Promise<Json> => {
    const b = await ctx.readJson();
    if (!isObject(b))
      throw graphError(
        400,
        'BadRequest',
        'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      );
    return b;
  };

  // ------------------------------------------------------------------ representations

  const domainJson = (d: Domain): Json => ({
    authenticationType: d.authenticationType ?? 'Managed',
    availabilityStatus: d.availabilityStatus,
    id: d.id,
    isAdminManaged: true,
    isDefault: d.isDefault,
    isInitial: d.isInitial,
    isRoot: d.isRoot,
    isVerified: d.isVerified,
    passwordNotificationWindowInDays: 14,
    passwordValidityPeriodInDays: 2147483647,
    supportedServices: d.supportedServices,
    state: null,
  });

  const userFull = (u: User): Json => ({
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
    accountEnabled: u.accountEnabled,
    usageLocation: u.usageLocation,
    mailNickname: u.mailNickname,
    assignedLicenses: visibleLicences(emu.replication, u),
    createdDateTime: u.createdDateTime,
    userType: 'Member',
  });
  const DEFAULT_USER_PROPS = [
    'businessPhones',
    'displayName',
    'givenName',
    'jobTitle',
    'mail',
    'mobilePhone',
    'officeLocation',
    'preferredLanguage',
    'surname',
    'userPrincipalName',
    'id',
  ];
  /** Graph returns a default property set unless `$select` asks for more. */
  const userJson = (ctx: Ctx, u: User): Json => {
    const full = userFull(u);
    return ctx.url.searchParams.get('$select')
      ? full
      : Object.fromEntries(DEFAULT_USER_PROPS.map((k) => [k, full[k]]));
  };

  const skuJson = (t: Tenant, s: Sku): Json => ({
    accountId: t.id,
    accountName: t.displayName,
    appliesTo: 'User',
    capabilityStatus: 'Enabled',
    consumedUnits: s.consumedUnits,
    id: `${t.id}_${s.skuId}`,
    prepaidUnits: { enabled: s.prepaidUnits, lockedOut: 0, suspended: 0, warning: 0 },
    servicePlans: s.servicePlans.map((p) => ({ ...p, provisioningStatus: 'Success', appliesTo: 'User' })),
    skuId: s.skuId,
    skuPartNumber: s.skuPartNumber,
    subscriptionIds: [],
  });

  const spJson = (sp: ServicePrincipal): Json => ({
    id: sp.id,
    accountEnabled: true,
    appDisplayName: sp.displayName,
    appId: sp.appId,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    createdDateTime: sp.createdDateTime,
    displayName: sp.displayName,
    servicePrincipalNames: [sp.appId],
    servicePrincipalType: 'Application',
    signInAudience: 'AzureADMultipleOrgs',
    tags: [],
  });

  const orgJson = (t: Tenant, caller: Caller): Json => {
    const verifiedDomains = t.domains
      .filter((d) => d.isVerified)
      .map((d) => ({
        capabilities: d.isInitial
          ? 'Email, OfficeCommunicationsOnline'
          : d.supportedServices.join(', ') || 'None',
        isDefault: d.isDefault,
        isInitial: d.isInitial,
        name: d.id,
        type: d.authenticationType ?? 'Managed',
      }));
    const full: Json = {
      id: t.id,
      businessPhones: [],
      city: null,
      country: null,
      countryLetterCode: t.countryLetterCode,
      createdDateTime: t.createdDateTime,
      deletedDateTime: null,
      displayName: t.displayName,
      marketingNotificationEmails: [],
      onPremisesLastSyncDateTime: null,
      onPremisesSyncEnabled: null,
      postalCode: null,
      preferredLanguage: 'en',
      state: null,
      street: null,
      technicalNotificationMails: [],
      tenantType: 'AAD',
      assignedPlans: [],
      provisionedPlans: [],
      verifiedDomains,
    };
    // Delegated callers with only User.Read can read id, displayName and verifiedDomains (§3.2).
    const limited =
      !caller.isApp &&
      !isAllowed(caller, { app: [], delegated: R.readOrg.delegated.filter((s) => s !== 'User.Read') });
    return limited ? { id: full.id, displayName: full.displayName, verifiedDomains } : full;
  };

  // ------------------------------------------------------------------ lookups

  // A new object is not on every replica yet (replication.ts): reads by id answer 404, collections leave it out.
  const rep = emu.replication;
  const findDomain = (t: Tenant, id: string) => {
    const d = t.domains.find((x) => x.id === id.toLowerCase());
    if (!d || replicating(rep, t, 'domain', d)) throw notFound(id);
    return d;
  };
  const findUser = (t: Tenant, key: string) => {
    const k = key.toLowerCase();
    const u = t.users.find((x) => x.id === k || x.userPrincipalName.toLowerCase() === k);
    if (!u || replicating(rep, t, 'user', u)) throw notFound(key);
    return u;
  };

  // ------------------------------------------------------------------ handlers

  const createDomain = async (ctx: Ctx, { tenant }: Caller): Promise<Reply> => {
    const b = await body(ctx);
    const id = typeof b.id === 'string' ? b.id.trim().toLowerCase() : '';
    if (!id || !FQDN.test(id)) throw invalidProp('id', 'Domain');
    // Entra does not support domain names longer than 48 characters (reference §3.3, ACG doc); wording is the emulator's.
    if (id.length > 48) throw bad(`The domain name '${id}' is longer than the maximum of 48 characters.`);
    if (id.endsWith('.onmicrosoft.com')) throw bad(`Domain '${id}' is reserved and cannot be added.`);
    if (tenant.domains.some((d) => d.id === id))
      throw bad('Another object with the same value for property id already exists.');
    const d = newDomain(id, false, tenant);
    tenant.domains.push(d);
    noteCreated(emu.replication, d);
    return {
      ...entity(ctx, 'domains', domainJson(d), 201),
      headers: { location: `${base()}/domains('${id}')` },
    };
  };

  const verifyDomain = async (ctx: Ctx, { tenant }: Caller): Promise<Reply> => {
    const d = findDomain(tenant, ctx.params.id!);
    if (d.isVerified) throw bad(`Domain '${d.id}' is already verified.`);
    const elsewhere = world.tenants.find(
      (t) => t !== tenant && t.domains.some((x) => x.id === d.id && x.isVerified),
    );
    if (elsewhere)
      throw bad(
        `Domain verification failed with the following error: Domain '${d.id}' is already verified in another tenant.`,
      );
    const records = await emu.resolveTxt(d.id).catch((): string[][] => []);
    if (!records.some((chunks) => chunks.join('') === d.verificationText))
      throw bad(
        `Domain verification failed with the following error: No TXT record with the value '${d.verificationText}' was found at '${d.id}'. Check that the record is set up correctly and try again.`,
      );
    d.isVerified = true;
    d.availabilityStatus = 'AvailableImmediately';
    // Subdomains of a verified root in the same tenant are verified too (§3.3).
    for (const sub of tenant.domains) {
      if (!sub.isVerified && sub.id.endsWith(`.${d.id}`))
        Object.assign(sub, { isVerified: true, isRoot: false });
    }
    return entity(ctx, 'domains', domainJson(d));
  };

  const deleteDomain = (ctx: Ctx, { tenant }: Caller): Reply => {
    const d = findDomain(tenant, ctx.params.id!);
    if (d.isInitial || d.isDefault)
      throw bad(`Domain '${d.id}' is the initial or default domain of the tenant and cannot be deleted.`);
    const refs = tenant.users.filter((u) => u.userPrincipalName.toLowerCase().endsWith(`@${d.id}`));
    if (refs.length)
      throw bad(
        `Domain '${d.id}' cannot be deleted because it is referenced by ${refs.length} object(s), e.g. user '${refs[0]!.userPrincipalName}'.`,
      );
    tenant.domains.splice(tenant.domains.indexOf(d), 1);
    return { status: 204 };
  };

  const updateDomain = async (ctx: Ctx, { tenant }: Caller): Promise<Reply> => {
    const d = findDomain(tenant, ctx.params.id!);
    const b = await body(ctx);
    if (b.supportedServices !== undefined) {
      if (!Array.isArray(b.supportedServices) || !b.supportedServices.every((s) => typeof s === 'string'))
        throw invalidProp('supportedServices', 'Domain');
      d.supportedServices = b.supportedServices;
    }
    if (b.isDefault === true) for (const x of tenant.domains) x.isDefault = x === d;
    return { status: 204 };
  };

  const verificationRecords = (ctx: Ctx, { tenant }: Caller): Reply => {
    const d = findDomain(tenant, ctx.params.id!);
    return collection(ctx, `domains('${d.id}')/verificationDnsRecords`, [
      {
        '@odata.type': '#microsoft.graph.domainDnsTxtRecord',
        id: d.txtRecordId,
        isOptional: false,
        label: d.id,
        recordType: 'Txt',
        supportedService: null,
        ttl: 3600,
        text: d.verificationText,
      },
      {
        '@odata.type': '#microsoft.graph.domainDnsMxRecord',
        id: d.mxRecordId,
        isOptional: false,
        label: d.id,
        recordType: 'Mx',
        supportedService: null,
        ttl: 3600,
        mailExchange: `${d.verificationText.slice(3).toLowerCase()}.msv1.invalid`,
        preference: 32767,
      },
    ]);
  };

  const checkPassword = (pw: string) => {
    const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
    return pw.length >= 8 && pw.length <= 256 && classes >= 3;
  };

  const createUser = async (ctx: Ctx, { tenant }: Caller): Promise<Reply> => {
    const b = await body(ctx);
    if (typeof b.accountEnabled !== 'boolean') throw invalidProp('accountEnabled', 'User');
    if (typeof b.displayName !== 'string' || !b.displayName.trim()) throw invalidProp('displayName', 'User');
    if (typeof b.mailNickname !== 'string' || !/^[A-Za-z0-9'.\-_!#^~]+$/.test(b.mailNickname))
      throw invalidProp('mailNickname', 'User');
    const pp = b.passwordProfile;
    if (!isObject(pp) || typeof pp.password !== 'string' || !pp.password)
      throw bad('A password must be specified to create a new user.');
    const upn = typeof b.userPrincipalName === 'string' ? b.userPrincipalName.trim() : '';
    const [local, domain, ...extra] = upn.split('@');
    if (
      !local ||
      !domain ||
      extra.length ||
      !UPN_LOCAL.test(local) ||
      local.startsWith('.') ||
      local.endsWith('.')
    )
      throw invalidProp('userPrincipalName', 'User');
    if (!tenant.domains.some((d) => d.isVerified && d.id === domain.toLowerCase()))
      throw bad(
        'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
      );
    if (tenant.users.some((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase()))
      throw bad('Another object with the same value for property userPrincipalName already exists.');
    if (!checkPassword(pp.password))
      throw bad(
        'The specified password does not comply with password complexity requirements. Please provide a different password.',
      );
    const usageLocation = b.usageLocation;
    if (
      usageLocation !== undefined &&
      usageLocation !== null &&
      (typeof usageLocation !== 'string' || !/^[A-Z]{2}$/.test(usageLocation))
    )
      throw invalidProp('usageLocation', 'User');
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    const u: User = {
      id: randomUUID(),
      userPrincipalName: upn,
      displayName: b.displayName,
      mailNickname: b.mailNickname,
      givenName: str(b.givenName),
      surname: str(b.surname),
      jobTitle: str(b.jobTitle),
      mail: null,
      accountEnabled: b.accountEnabled,
      usageLocation: typeof usageLocation === 'string' ? usageLocation : null,
      password: pp.password,
      assignedLicenses: [],
      createdDateTime: isoNow(),
    };
    tenant.users.push(u);
    noteCreated(emu.replication, u);
    return {
      ...entity(ctx, 'users', userJson(ctx, u), 201),
      headers: { location: `${base()}/users/${u.id}` },
    };
  };

  const updateUser = async (ctx: Ctx, { tenant }: Caller): Promise<Reply> => {
    const u = findUser(tenant, ctx.params.id!);
    const b = await body(ctx);
    if (b.usageLocation !== undefined) {
      if (
        b.usageLocation !== null &&
        (typeof b.usageLocation !== 'string' || !/^[A-Z]{2}$/.test(b.usageLocation))
      )
        throw invalidProp('usageLocation', 'User');
      u.usageLocation = b.usageLocation;
    }
    for (const k of ['displayName', 'givenName', 'surname', 'jobTitle'] as const)
      if (typeof b[k] === 'string') (u as Record<string, unknown>)[k] = b[k];
    if (typeof b.accountEnabled === 'boolean') u.accountEnabled = b.accountEnabled;
    if (isObject(b.passwordProfile) && typeof b.passwordProfile.password === 'string') {
      if (!checkPassword(b.passwordProfile.password))
        throw bad(
          'The specified password does not comply with password complexity requirements. Please provide a different password.',
        );
      u.password = b.passwordProfile.password;
    }
    return { status: 204 };
  };

  const deleteUser = (ctx: Ctx, { tenant }: Caller): Reply => {
    const u = findUser(tenant, ctx.params.id!);
    for (const l of u.assignedLicenses) {
      const sku = tenant.skus.find((s) => s.skuId === l.skuId);
      if (sku) sku.consumedUnits = Math.max(0, sku.consumedUnits - 1);
    }
    tenant.users.splice(tenant.users.indexOf(u), 1);
    tenant.roleAssignments = tenant.roleAssignments.filter((r) => r.principalId !== u.id);
    return { status: 204 };
  };

  const assignLicense = async (ctx: Ctx, { tenant }: Caller): Promise<Reply> => {
    const u = findUser(tenant, ctx.params.id!);
    const b = await body(ctx);
    const missing = ['addLicenses', 'removeLicenses'].filter((k) => !Array.isArray(b[k]));
    if (missing.length)
      throw bad(
        `One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: ${missing.join(', ')}.`,
      );
    const add = b.addLicenses as unknown[];
    const remove = b.removeLicenses as unknown[];
    if (add.length && !u.usageLocation)
      throw bad('License assignment cannot be done for user with invalid usage location.');
    const adds: { sku: Sku; disabledPlans: string[] }[] = [];
    for (const a of add) {
      const skuId = isObject(a) && typeof a.skuId === 'string' ? a.skuId.toLowerCase() : '';
      const sku = tenant.skus.find((s) => s.skuId === skuId);
      if (!sku) throw bad(`License ${skuId || '(empty)'} does not correspond to a valid company License.`);
      const disabledPlans =
        isObject(a) && Array.isArray(a.disabledPlans)
          ? a.disabledPlans.filter((x): x is string => typeof x === 'string')
          : [];
      const already = u.assignedLicenses.some((l) => l.skuId === sku.skuId);
      if (!already && sku.prepaidUnits - sku.consumedUnits <= 0)
        throw bad(`Subscription with SKU ${sku.skuId} does not have any available licenses.`);
      adds.push({ sku, disabledPlans });
    }
    const removes = remove.map((r) => String(r).toLowerCase());
    for (const skuId of removes)
      if (!u.assignedLicenses.some((l) => l.skuId === skuId))
        throw bad(`User does not have a corresponding license for ${skuId}.`);
    for (const { sku, disabledPlans } of adds) {
      const existing = u.assignedLicenses.find((l) => l.skuId === sku.skuId);
      if (existing) existing.disabledPlans = disabledPlans;
      else {
        u.assignedLicenses.push({ skuId: sku.skuId, disabledPlans, assignedAt: Date.now() });
        sku.consumedUnits += 1;
      }
    }
    for (const skuId of removes) {
      u.assignedLicenses = u.assignedLicenses.filter((l) => l.skuId !== skuId);
      const sku = tenant.skus.find((s) => s.skuId === skuId);
      if (sku) sku.consumedUnits = Math.max(0, sku.consumedUnits - 1);
    }
    return entity(ctx, 'users', userJson(ctx, u));
  };

  const createServicePrincipal = async (ctx: Ctx, { tenant }: Caller): Promise<Reply> => {
    const b = await body(ctx);
    const appId = typeof b.appId === 'string' ? b.appId.toLowerCase() : '';
    const app = world.findApp(appId);
    if (!app) {
      if (RESOURCES.some((r) => r.appId === appId))
        throw graphError(
          409,
          'Request_MultipleObjectsWithSameKeyValue',
          `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`,
        );
      throw bad(
        `The appId '${appId}' of the service principal does not reference a valid application object.`,
      );
    }
    if (tenant.servicePrincipals.some((s) => s.appId === app.appId))
      throw graphError(
        409,
        'Request_MultipleObjectsWithSameKeyValue',
        `The service principal cannot be created, updated, or restored because the service principal name ${app.appId} is already in use.`,
      );
    const sp = world.ensureServicePrincipal(tenant, app);
    return {
      ...entity(ctx, 'servicePrincipals', spJson(sp), 201),
      headers: { location: `${base()}/servicePrincipals/${sp.id}` },
    };
  };

  const findSp = (t: Tenant, by: 'id' | 'appId', key: string) => {
    const sp = t.servicePrincipals.find((s) => s[by] === key.toLowerCase());
    if (!sp || replicating(rep, t, 'servicePrincipal', sp)) throw notFound(key);
    return sp;
  };

  const roleAssignmentJson = (r: Tenant['roleAssignments'][number]): Json => ({ ...r });

  const createRoleAssignment = async (ctx: Ctx, { tenant }: Caller): Promise<Reply> => {
    const b = await body(ctx);
    const principalId = typeof b.principalId === 'string' ? b.principalId.toLowerCase() : '';
    const roleDefinitionId = typeof b.roleDefinitionId === 'string' ? b.roleDefinitionId.toLowerCase() : '';
    const directoryScopeId = typeof b.directoryScopeId === 'string' ? b.directoryScopeId : '/';
    if (!principalId) throw invalidProp('principalId', 'unifiedRoleAssignment');
    if (!Object.values(ROLE_TEMPLATES).includes(roleDefinitionId))
      throw graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${roleDefinitionId}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (directoryScopeId !== '/')
      throw bad(`The directory scope '${directoryScopeId}' is not supported by the emulator; use '/'.`);
    if (
      !tenant.users.some((u) => u.id === principalId) &&
      !tenant.servicePrincipals.some((s) => s.id === principalId)
    )
      throw bad(
        `Resource '${principalId}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (
      tenant.roleAssignments.some(
        (r) =>
          r.principalId === principalId &&
          r.roleDefinitionId === roleDefinitionId &&
          r.directoryScopeId === directoryScopeId,
      )
    )
      throw bad(
        'A conflicting object with one or more of the specified property values is present in the directory.',
      );
    const ra = { id: newRoleAssignmentId(), principalId, roleDefinitionId, directoryScopeId };
    tenant.roleAssignments.push(ra);
    return {
      ...entity(ctx, 'roleManagement/directory/roleAssignments', roleAssignmentJson(ra), 201),
      headers: { location: `${base()}/roleManagement/directory/roleAssignments/${ra.id}` },
    };
  };

  const findRoleAssignment = (t: Tenant, id: string) => {
    const r = t.roleAssignments.find((x) => x.id === id);
    if (!r) throw notFound(id);
    return r;
  };

  const me = (ctx: Ctx, caller: Caller): Reply => {
    if (caller.isApp)
      throw graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    return entity(ctx, 'users', userJson(ctx, findUser(caller.tenant, caller.oid)));
  };

  const userinfo = (_ctx: Ctx, caller: Caller): Reply => {
    if (caller.isApp) throw graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    const u = findUser(caller.tenant, caller.oid);
    return {
      status: 200,
      json: {
        sub: pairwiseSub(u.id, caller.appId),
        name: u.displayName,
        family_name: u.surname,
        given_name: u.givenName,
        email: u.mail ?? undefined,
      },
    };
  };

  const v = (
    method: string,
    path: string,
    perm: Permission,
    handler: (ctx: Ctx, caller: Caller) => Promise<Reply> | Reply,
  ) => route(method, `/v1.0${path}`, guarded(perm, handler));

  const spByAppId: Route = {
    method: 'GET',
    pattern: /^\/v1\.0\/servicePrincipals\(appId=(?:'|%27)(?<appId>[^'%]+)(?:'|%27)\)$/i,
    handler: guarded(R.readApps, (ctx, { tenant }) =>
      entity(ctx, 'servicePrincipals', spJson(findSp(tenant, 'appId', ctx.params.appId!))),
    ),
  };

  return [
    v('GET', '/organization', R.readOrg, (ctx, c) => collection(ctx, 'organization', [orgJson(c.tenant, c)])),
    v('GET', '/organization/:id', R.readOrg, (ctx, c) => {
      if (ctx.params.id!.toLowerCase() !== c.tenant.id) throw notFound(ctx.params.id!);
      return entity(ctx, 'organization', orgJson(c.tenant, c));
    }),
    v('GET', '/me', { app: [], delegated: ['User.Read', ...R.readUsers.delegated] }, me),
    v('GET', '/domains', R.readDomains, (ctx, { tenant }) =>
      collection(
        ctx,
        'domains',
        tenant.domains.filter((d) => !replicating(rep, tenant, 'domain', d)).map(domainJson),
      ),
    ),
    v('POST', '/domains', R.writeDomains, createDomain),
    v('GET', '/domains/:id', R.readDomains, (ctx, { tenant }) =>
      entity(ctx, 'domains', domainJson(findDomain(tenant, ctx.params.id!))),
    ),
    v('PATCH', '/domains/:id', R.writeDomains, updateDomain),
    v('DELETE', '/domains/:id', R.writeDomains, deleteDomain),
    v('GET', '/domains/:id/verificationDnsRecords', R.readDomains, verificationRecords),
    v('POST', '/domains/:id/verify', R.writeDomains, verifyDomain),
    v('GET', '/users', R.readUsers, (ctx, { tenant }) =>
      collection(
        ctx,
        'users',
        tenant.users.filter((u) => !replicating(rep, tenant, 'user', u)).map((u) => userJson(ctx, u)),
        (o) => userFull(tenant.users.find((u) => u.id === o.id)!),
      ),
    ),
    v('POST', '/users', R.writeUsers, createUser),
    v('GET', '/users/:id', R.readUsers, (ctx, { tenant }) =>
      entity(ctx, 'users', userJson(ctx, findUser(tenant, ctx.params.id!))),
    ),
    v('PATCH', '/users/:id', R.writeUsers, updateUser),
    v('DELETE', '/users/:id', R.writeUsers, deleteUser),
    v('POST', '/users/:id/assignLicense', R.assignLicense, assignLicense),
    v('GET', '/subscribedSkus', R.readSkus, (ctx, { tenant }) => {
      if (ctx.url.searchParams.has('$filter'))
        throw graphError(
          400,
          'Request_UnsupportedQuery',
          'The $filter query option is not supported on subscribedSkus.',
        );
      return collection(
        ctx,
        'subscribedSkus',
        tenant.skus.map((s) => skuJson(tenant, s)),
      );
    }),
    v('GET', '/subscribedSkus/:id', R.readSkus, (ctx, { tenant }) => {
      const s = tenant.skus.find((x) => `${tenant.id}_${x.skuId}` === ctx.params.id!.toLowerCase());
      if (!s) throw notFound(ctx.params.id!);
      return entity(ctx, 'subscribedSkus', skuJson(tenant, s));
    }),
    spByAppId,
    v('GET', '/servicePrincipals', R.readApps, (ctx, { tenant }) =>
      collection(
        ctx,
        'servicePrincipals',
        tenant.servicePrincipals
          .filter((sp) => !replicating(rep, tenant, 'servicePrincipal', sp))
          .map(spJson),
      ),
    ),
    v('POST', '/servicePrincipals', R.writeApps, createServicePrincipal),
    v('GET', '/servicePrincipals/:id', R.readApps, (ctx, { tenant }) =>
      entity(ctx, 'servicePrincipals', spJson(findSp(tenant, 'id', ctx.params.id!))),
    ),
    v('GET', '/roleManagement/directory/roleAssignments', R.readRoles, (ctx, { tenant }) =>
      collection(
        ctx,
        'roleManagement/directory/roleAssignments',
        tenant.roleAssignments.map(roleAssignmentJson),
      ),
    ),
    v('POST', '/roleManagement/directory/roleAssignments', R.writeRoles, createRoleAssignment),
    v('GET', '/roleManagement/directory/roleAssignments/:id', R.readRoles, (ctx, { tenant }) =>
      entity(
        ctx,
        'roleManagement/directory/roleAssignments',
        roleAssignmentJson(findRoleAssignment(tenant, ctx.params.id!)),
      ),
    ),
    v('DELETE', '/roleManagement/directory/roleAssignments/:id', R.writeRoles, (ctx, { tenant }) => {
      const r = findRoleAssignment(tenant, ctx.params.id!);
      tenant.roleAssignments.splice(tenant.roleAssignments.indexOf(r), 1);
      return { status: 204 };
    }),
    route(
      'GET',
      '/oidc/userinfo',
      guarded({ app: [], delegated: ['openid', 'profile', 'email', 'User.Read'] }, userinfo),
    ),
  ];
};
