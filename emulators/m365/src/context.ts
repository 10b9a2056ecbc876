import { defaultStorm, type StormFaults } from './faults.ts';
import type { Surface } from './http.ts';
import type { RateLimiter } from './rate-limits.ts';
import type { Replication } from './replication.ts';
import type { World } from './state.ts';
import type { Signer } from './tokens.ts';

/** Resolves the TXT records of a name, like `dns.promises.Resolver#resolveTxt` (chunks per record). */
export type TxtResolver = (name: string) => Promise<string[][]>;

export type AuthCode = {
  clientId: string;
  redirectUri: string;
  tenantId: string;
  userId: string;
  scopes: string[];
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  amr: string[];
  authTime: number;
  expiresAt: number;
  used: boolean;
};

export type RefreshEntry = {
  clientId: string;
  tenantId: string;
  userId: string;
  scopes: string[];
  amr: string[];
  authTime: number;
  used: boolean;
};

export type DeviceEntry = {
  deviceCode: string;
  userCode: string;
  clientId: string;
  tenantSegment: string;
  scopes: string[];
  expiresAt: number;
  status: 'pending' | 'approved' | 'declined' | 'redeemed';
  tenantId?: string;
  userId?: string;
  amr?: string[];
  authTime?: number;
};

/** Which requests a fault applies to. */
export type FaultScope = { surfaces: Surface[]; tenant?: string; pathContains?: string };

/** Latency and the storm (`faults.ts`: error statuses, the PRNG's seed, 429 bursts, forced token expiry). */
export type Faults = FaultScope & { latencyMs: number; errorRate: number } & StormFaults;
export type Throttle = FaultScope & { remaining: number; retryAfterSeconds: number };

export type LoggedRequest = {
  at: string;
  surface: Surface;
  method: string;
  path: string;
  status: number;
  tenantId?: string;
  /** A 429's `Retry-After` (seconds). */
  retryAfter?: number;
  /** A rate limit's 429: its `x-ms-throttle-scope` (`<Scope>/<Limit>/<ApplicationId>/<TenantId>`). */
  throttleScope?: string;
};

export type Emu = {
  world: World;
  signer: Signer;
  baseUrl: string;
  resolveTxt: TxtResolver;
  codes: Map<string, AuthCode>;
  refreshTokens: Map<string, RefreshEntry>;
  deviceCodes: Map<string, DeviceEntry>;
  faults: Faults;
  /** The storm's PRNG, seeded by `faults.seed` (`faults.ts`). */
  random: () => number;
  throttles: Throttle[];
  /** Throttling by rate (`rate-limits.ts`); no limits unless given. */
  rateLimiter: RateLimiter;
  /** Whether a redeemed refresh token stays valid (Entra's documented behaviour) or is single use (the default). */
  refreshTokenReuse: boolean;
  /**
   * `teamsActivationDelaySeconds`: how long after a domain's activation the Teams admin API still refuses it as
   * a gateway (Microsoft: up to 24 hours); the start option, 0 by default.
   */
  settings: { accessTokenLifetimeSeconds: number; teamsActivationDelaySeconds: number };
  /** The settings `reset()` returns to: the start options (`teamsActivationDelaySeconds`). */
  initialSettings: { accessTokenLifetimeSeconds: number; teamsActivationDelaySeconds: number };
  /** Directory replication windows and creation times (`replication.ts`). */
  replication: Replication;
  requests: LoggedRequest[];
};

export const defaultFaults = (): Faults => ({
  latencyMs: 0,
  errorRate: 0,
  surfaces: ['graph', 'teams'],
  ...defaultStorm(),
});
