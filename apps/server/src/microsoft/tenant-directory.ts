import { GraphError, type GraphClient, type Organization } from './graph.ts';

/**
 * The port to a customer tenant's directory, in the terms default routing uses: its domains, users, licences and
 * organization. Bound to one tenant (the token getter decides whose token, by the connection's method). The
 * Microsoft Graph adapter is below; every failure is a `DirectoryError` carrying `transient` (worth trying again
 * soon) like the other port errors.
 */

export type TenantDomain = { id: string; isVerified: boolean };
export type TenantUser = { id: string; userPrincipalName: string; assignedLicenses: { skuId: string }[] };
export type SubscribedSku = {
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  prepaidUnits: { enabled: number };
};
export type VerificationRecord = { recordType: string; label: string; text?: string; ttl: number };
export type NewUser = {
  userPrincipalName: string;
  displayName: string;
  mailNickname: string;
  usageLocation: string;
  password: string;
};

export type DirectoryErrorKind = 'not-found' | 'rejected' | 'forbidden' | 'unavailable';

export class DirectoryError extends Error {
  readonly kind: DirectoryErrorKind;
  /** Microsoft's HTTP status, where there was one. */
  readonly status: number | undefined;
  /** Microsoft's own error code, e.g. `Request_BadRequest`. */
  readonly code: string | undefined;
  constructor(
    kind: DirectoryErrorKind,
    message: string,
    options: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DirectoryError';
    this.kind = kind;
    this.status = options.status;
    this.code = options.code;
  }
  /** Worth trying again soon: Microsoft throttling, failing or unreachable. */
  get transient(): boolean {
    return this.kind === 'unavailable';
  }
  /** Microsoft refused the access token itself (401: expired, revoked): a new token may succeed. */
  get tokenRejected(): boolean {
    return this.status === 401;
  }
}

export type TenantDirectory = {
  /** The domain, or null when the tenant does not hold it. */
  getDomain(fqdn: string): Promise<TenantDomain | null>;
  addDomain(fqdn: string): Promise<TenantDomain>;
  /** The DNS records Microsoft wants for verifying the domain (the TXT `MS=ms…` among them). */
  verificationRecords(fqdn: string): Promise<VerificationRecord[]>;
  /** Verified, or Microsoft's reason why not yet (e.g. it does not see the TXT record). */
  verifyDomain(fqdn: string): Promise<{ verified: true } | { verified: false; reason: string }>;
  deleteDomain(fqdn: string): Promise<void>;
  /** The user with its licences, or null. */
  getUser(upn: string): Promise<TenantUser | null>;
  createUser(user: NewUser): Promise<TenantUser>;
  assignLicense(userId: string, skuId: string): Promise<void>;
  removeLicense(userId: string, skuId: string): Promise<void>;
  deleteUser(userId: string): Promise<void>;
  subscribedSkus(): Promise<SubscribedSku[]>;
  organization(): Promise<Organization>;
};

const kindOf = (e: GraphError): DirectoryErrorKind =>
  e.transient
    ? 'unavailable'
    : e.status === 404
      ? 'not-found'
      : e.status === 401 || e.status === 403
        ? 'forbidden'
        : 'rejected';

/** Graph's failures as port errors; anything else (Graph unreachable) is `unavailable`. */
async function directoryCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof DirectoryError) throw e;
    if (e instanceof GraphError)
      throw new DirectoryError(kindOf(e), e.message, { status: e.status, code: e.code, cause: e });
    throw new DirectoryError(
      'unavailable',
      `Microsoft Graph could not be reached (${what}): ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

const orNull = async <T>(p: Promise<T>): Promise<T | null> => {
  try {
    return await p;
  } catch (e) {
    if (e instanceof DirectoryError && e.kind === 'not-found') return null;
    throw e;
  }
};

/** The Microsoft Graph adapter of the port. */
export function createGraphTenantDirectory(
  graph: GraphClient,
  token: () => Promise<string>,
): TenantDirectory {
  const request = <T>(method: string, path: string, body?: unknown) =>
    directoryCall(`${method} ${path}`, async () => graph.request<T>(await token(), method, path, body));
  const domain = (fqdn: string) => `/domains/${encodeURIComponent(fqdn)}`;
  const user = (id: string) => `/users/${encodeURIComponent(id)}`;
  const asUser = (u: TenantUser) => ({ ...u, assignedLicenses: u.assignedLicenses ?? [] });
  return {
    getDomain: (fqdn) => orNull(request<TenantDomain>('GET', domain(fqdn))),
    addDomain: (fqdn) => request<TenantDomain>('POST', '/domains', { id: fqdn }),
    async verificationRecords(fqdn) {
      return (await request<{ value: VerificationRecord[] }>('GET', `${domain(fqdn)}/verificationDnsRecords`))
        .value;
    },
    async verifyDomain(fqdn) {
      try {
        await request('POST', `${domain(fqdn)}/verify`);
        return { verified: true };
      } catch (e) {
        if (e instanceof DirectoryError && e.kind === 'rejected')
          return { verified: false, reason: e.message };
        throw e;
      }
    },
    async deleteDomain(fqdn) {
      await request('DELETE', domain(fqdn));
    },
    async getUser(upn) {
      const u = await orNull(
        request<TenantUser>('GET', `${user(upn)}?$select=id,userPrincipalName,assignedLicenses`),
      );
      return u && asUser(u);
    },
    async createUser(u) {
      return asUser(
        await request<TenantUser>('POST', '/users', {
          accountEnabled: true,
          displayName: u.displayName,
          mailNickname: u.mailNickname,
          userPrincipalName: u.userPrincipalName,
          usageLocation: u.usageLocation,
          passwordProfile: { forceChangePasswordNextSignIn: false, password: u.password },
        }),
      );
    },
    async assignLicense(userId, skuId) {
      await request('POST', `${user(userId)}/assignLicense`, {
        addLicenses: [{ skuId, disabledPlans: [] }],
        removeLicenses: [],
      });
    },
    async removeLicense(userId, skuId) {
      await request('POST', `${user(userId)}/assignLicense`, { addLicenses: [], removeLicenses: [skuId] });
    },
    async deleteUser(userId) {
      await request('DELETE', user(userId));
    },
    async subscribedSkus() {
      return (await request<{ value: SubscribedSku[] }>('GET', '/subscribedSkus')).value;
    },
    organization: () => directoryCall('GET /organization', async () => graph.organization(await token())),
  };
}
