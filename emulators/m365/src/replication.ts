import type { App, Domain, ServicePrincipal, Tenant, User } from './state.ts';

/**
 * Directory replication (eventual consistency). Microsoft Entra is a replicated directory: an object written
 * through Graph may answer 404 `Request_ResourceNotFound` on another replica for a while, and a freshly consented
 * application's service principal may not be known to the token service yet, so client credentials fail with
 * AADSTS700016 for seconds to minutes. Sources:
 * - Graph: "Microsoft Graph … eventual consistency … a 404 Not Found … wait a few seconds and retry"
 *   (https://learn.microsoft.com/graph/known-issues, "Microsoft Entra ID: replication delays"; Graph best practices,
 *   https://learn.microsoft.com/graph/best-practices-concept).
 * - Entra: `{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier '…' was
 *   not found in the directory '…'. This can happen if the application has not been installed by the administrator
 *   of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the
 *   wrong tenant.\r\nTrace ID: …"}` (HTTP 400; as reported in microsoft/AzureTRE#1475 and
 *   Azure/azure-sdk-for-python#8314).
 *
 * The emulator's model: per kind of object a window (seconds) after its creation during which every read of it by
 * id (and every action on it) answers 404 and collections leave it out; a licence assignment is missing from the
 * user's `assignedLicenses` during its window; a client-credentials request of an app whose service principal in
 * the tenant is in its `appToken` window answers AADSTS700016. Objects from the seed are never replicating. 0 turns
 * a kind off. Writes that check uniqueness see every object at once (the directory's writer knows it).
 */

export const REPLICATION_KINDS = [
  'domain',
  'user',
  'licenseAssignment',
  'servicePrincipal',
  'appToken',
] as const;
export type ReplicationKind = (typeof REPLICATION_KINDS)[number];
export type ReplicationWindows = Record<ReplicationKind, number>;
/** One number for every kind, or some kinds (the others keep their value). */
export type ReplicationOptions = number | Partial<ReplicationWindows>;

export const MAX_REPLICATION_SECONDS = 3600;

export type Replication = {
  windows: ReplicationWindows;
  /** What the windows are after `reset()`: the emulator's start options. */
  initial: ReplicationWindows;
  /** When an object was created (epoch ms), for the objects created since the seed. */
  born: WeakMap<object, number>;
};

const off = (): ReplicationWindows =>
  Object.fromEntries(REPLICATION_KINDS.map((k) => [k, 0])) as ReplicationWindows;

/** Windows from options; throws a message for anything but whole seconds 0..3600 of known kinds. */
export const replicationWindows = (o: unknown, base: ReplicationWindows = off()): ReplicationWindows => {
  const check = (k: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_REPLICATION_SECONDS)
      throw new Error(`replication ${k} must be whole seconds 0..${MAX_REPLICATION_SECONDS}`);
    return v;
  };
  if (o === undefined) return { ...base };
  if (typeof o === 'number') {
    const s = check('seconds', o);
    return Object.fromEntries(REPLICATION_KINDS.map((k) => [k, s])) as ReplicationWindows;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new Error('replication must be a number of seconds or an object of seconds per kind');
  const out = { ...base };
  for (const [k, v] of Object.entries(o)) {
    if (!(REPLICATION_KINDS as readonly string[]).includes(k))
      throw new Error(`replication kind must be one of ${REPLICATION_KINDS.join(', ')}`);
    out[k as ReplicationKind] = check(k, v);
  }
  return out;
};

export const createReplication = (options?: ReplicationOptions): Replication => {
  const initial = replicationWindows(options);
  return { windows: { ...initial }, initial, born: new WeakMap() };
};

/** Records that an object was created now (Graph writes, consent). */
export const noteCreated = (r: Replication, o: object, at = Date.now()) => {
  r.born.set(o, at);
};

const within = (r: Replication, kind: ReplicationKind, at: number | undefined, now: number) =>
  at !== undefined && r.windows[kind] > 0 && now < at + r.windows[kind] * 1000;

/** Whether a domain, user or service principal is still unknown to the replica that answers a read. */
export const replicating = (
  r: Replication,
  tenant: Tenant,
  kind: 'domain' | 'user' | 'servicePrincipal',
  o: Domain | User | ServicePrincipal,
  now = Date.now(),
) => !tenant.seeded.has(o.id) && within(r, kind, r.born.get(o), now);

/** The user's licences as a replica sees them: assignments younger than the window are not there yet. */
export const visibleLicences = (r: Replication, u: User, now = Date.now()) =>
  u.assignedLicenses
    .filter((l) => !within(r, 'licenseAssignment', l.assignedAt, now))
    .map(({ skuId, disabledPlans }) => ({ skuId, disabledPlans }));

/** Whether the token service does not know the app's (new) service principal in the tenant yet. */
export const appTokenReplicating = (r: Replication, tenant: Tenant, sp: ServicePrincipal, now = Date.now()) =>
  !tenant.seeded.has(sp.id) && within(r, 'appToken', r.born.get(sp), now);

/** Entra's answer to a token request for an app the token service does not know in the tenant (AADSTS700016). */
export const appNotFoundMessage = (app: App, tenant: Tenant) =>
  `Application with identifier '${app.appId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`;
