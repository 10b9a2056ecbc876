import { ACCESS_TOKEN_ISSUER_BASE, role, type Resource } from './catalog.ts';
import type { Emu } from './context.ts';
import type { EmulatorError, Ctx } from './http.ts';
import type { Tenant } from './state.ts';

/** A verified bearer token, reduced to what authorisation needs. */
export type Caller = {
  tenant: Tenant;
  isApp: boolean;
  /** Object id of the user or service principal. */
  oid: string;
  appId: string;
  roles: string[];
  scp: string[];
  wids: string[];
};

/**
 * Checks a bearer token for `resource`: signature and lifetime (our key), issuer, audience, and that its tenant
 * exists. The tenant in `tid` is the only tenant the call can see (tenant isolation). Failures are 401 with
 * `unauthorized(message)` turned into the surface's own error body.
 */
export const authenticate = async (
  emu: Emu,
  ctx: Ctx,
  resource: Resource,
  unauthorized: (message: string) => EmulatorError,
): Promise<Caller> => {
  const header = ctx.req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw unauthorized(header ? 'Invalid authentication token.' : 'Access token is empty.');
  const result = await emu.signer.verify(m[1]!);
  if (!result.ok)
    throw unauthorized(
      result.reason === 'expired'
        ? 'Lifetime validation failed, the token is expired.'
        : 'Access token validation failure.',
    );
  const p = result.payload;
  // A fault storm's forced expiry (`faults.ts`): tokens issued before the cut-off lapse early, on every resource.
  const cutoff = emu.faults.tokensIssuedBefore;
  if (cutoff !== null && typeof p.iat === 'number' && p.iat < cutoff)
    throw unauthorized('Lifetime validation failed, the token is expired.');
  const audiences = [resource.audience, resource.appId, ...resource.identifierUris].map((a) =>
    a.toLowerCase(),
  );
  const aud = typeof p.aud === 'string' ? p.aud.toLowerCase().replace(/\/$/, '') : '';
  if (!audiences.includes(aud)) throw unauthorized('Access token validation failure. Invalid audience.');
  const tid = typeof p.tid === 'string' ? p.tid : '';
  const tenant = emu.world.tenants.find((t) => t.id === tid);
  // Access tokens are v1.0 (identity.ts): the STS issuer of the token's own tenant.
  if (!tenant || p.iss !== `${ACCESS_TOKEN_ISSUER_BASE}${tid}/` || p.ver !== '1.0')
    throw unauthorized('Access token validation failure. Invalid issuer.');
  ctx.tenantId = tenant.id;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    tenant,
    isApp: p.idtyp === 'app' || typeof p.scp !== 'string',
    oid: String(p.oid ?? ''),
    appId: String(p.appid ?? ''),
    roles: list(p.roles),
    scp: typeof p.scp === 'string' ? p.scp.split(' ').filter(Boolean) : [],
    wids: list(p.wids),
  };
};

/** What an operation needs: app permissions, or delegated scopes plus (optionally) one of some directory roles of the user. */
export type Permission = { app: string[]; delegated: string[]; userRoles?: string[] };

const GLOBAL_ADMIN = role('Global Administrator');

export const isAllowed = (caller: Caller, perm: Permission) => {
  const has = (held: string[], wanted: string[]) =>
    held.some((h) => wanted.some((w) => w.toLowerCase() === h.toLowerCase()));
  if (caller.isApp) return has(caller.roles, perm.app);
  if (!has(caller.scp, perm.delegated)) return false;
  return !perm.userRoles || caller.wids.includes(GLOBAL_ADMIN) || has(caller.wids, perm.userRoles);
};
