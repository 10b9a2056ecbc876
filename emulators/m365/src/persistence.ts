import { openStateFile, type StateFile } from '@trunkline/emulator-state';
import type { JWK } from 'jose';
import { generatorSnapshot } from './call-generator.ts';
import {
  callRecordsSnapshot,
  restoreCallRecords,
  validateCallRecordsSnapshot,
  type CallRecordsSnapshot,
} from './call-records.ts';
import type { AuthCode, DeviceEntry, Emu, RefreshEntry } from './context.ts';
import type { App, Tenant } from './state.ts';

/**
 * The emulator's state file (the `stateFile` start option, written by `@trunkline/emulator-state`): every tenant as it
 * stands (domains, users with their licences and passwords, subscribed SKUs, service principals and their app roles,
 * role assignments, consent grants, Teams admin objects), the app registrations, the token signing key (tokens issued
 * before a restart still verify), the refresh tokens (used ones too, so a replay still answers AADSTS70008), and the
 * authorization and device codes that have not expired, the call-record subscriptions, the call generator's
 * configuration, the last 15 minutes' call records and the last 2 hours' Direct Routing log (`callRecordsSnapshot`).
 * Not kept: fault injection, throttles, other settings changed through the control API, the request log, Azure DNS
 * zones and role assignments, pending notification deliveries, and replication clocks (objects read back count as
 * replicated).
 */

const FORMAT = 'trunkline-m365-emulator';
const VERSION = 1;

type StoredTenant = Omit<Tenant, 'seeded'> & { seeded: string[] };

export type M365Snapshot = {
  tenants: StoredTenant[];
  apps: App[];
  signingKey: JWK;
  refreshTokens: [string, RefreshEntry][];
  codes: [string, AuthCode][];
  deviceCodes: [string, DeviceEntry][];
  /** Absent in files written before call records were kept. */
  callRecords?: CallRecordsSnapshot;
};

const fail = (message: string): never => {
  throw new Error(message);
};
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayAt = (o: Record<string, unknown>, key: string, where: string): unknown[] =>
  Array.isArray(o[key]) ? o[key] : fail(`${where}.${key} must be a list`);
const objects = (o: Record<string, unknown>, key: string, where: string, required: string[]) =>
  arrayAt(o, key, where).forEach((x, i) => {
    if (!isObject(x)) fail(`${where}.${key}[${i}] must be an object`);
    else
      for (const k of required)
        if (typeof x[k] !== 'string') fail(`${where}.${key}[${i}].${k} must be a string`);
  });
const entries = (o: Record<string, unknown>, key: string) =>
  arrayAt(o, key, 'state').forEach((x, i) => {
    if (!Array.isArray(x) || typeof x[0] !== 'string' || !isObject(x[1]))
      fail(`state.${key}[${i}] must be [token, entry]`);
  });

/** Checks the shape of a snapshot read back (enough that the emulator's code can rely on it). */
export const validateSnapshot = (state: unknown): M365Snapshot => {
  if (!isObject(state)) return fail('state must be an object');
  arrayAt(state, 'tenants', 'state').forEach((t, i) => {
    const where = `state.tenants[${i}]`;
    if (!isObject(t)) return fail(`${where} must be an object`);
    for (const k of ['id', 'name', 'displayName', 'countryLetterCode', 'createdDateTime'])
      if (typeof t[k] !== 'string') fail(`${where}.${k} must be a string`);
    objects(t, 'domains', where, ['id']);
    objects(t, 'users', where, ['id', 'userPrincipalName', 'password']);
    objects(t, 'skus', where, ['skuId', 'skuPartNumber']);
    objects(t, 'servicePrincipals', where, ['id', 'appId']);
    objects(t, 'roleAssignments', where, ['id', 'principalId', 'roleDefinitionId']);
    objects(t, 'grants', where, ['clientAppId', 'resourceAppId']);
    if (!isObject(t.teams)) return fail(`${where}.teams must be an object`);
    for (const k of ['usages', 'routes', 'policies', 'gateways']) arrayAt(t.teams, k, `${where}.teams`);
    if (!arrayAt(t, 'seeded', where).every((x) => typeof x === 'string'))
      fail(`${where}.seeded must be a list of ids`);
  });
  objects(state, 'apps', 'state', ['appId', 'displayName']);
  const key = state.signingKey;
  if (!isObject(key) || key.kty !== 'RSA' || typeof key.d !== 'string' || typeof key.n !== 'string')
    fail('state.signingKey must be a private RSA JWK');
  entries(state, 'refreshTokens');
  entries(state, 'codes');
  entries(state, 'deviceCodes');
  if (state.callRecords !== undefined) validateCallRecordsSnapshot(state.callRecords);
  return state as unknown as M365Snapshot;
};

/** Replaces the emulator's state with a snapshot read back. */
const restore = (emu: Emu, s: M365Snapshot) => {
  emu.world.tenants.splice(
    0,
    emu.world.tenants.length,
    ...s.tenants.map((t): Tenant => ({ ...t, seeded: new Set(t.seeded) })),
  );
  emu.world.apps.splice(0, emu.world.apps.length, ...s.apps);
  const refill = <V>(map: Map<string, V>, from: [string, V][]) => {
    map.clear();
    for (const [k, v] of from) map.set(k, v);
  };
  refill(emu.refreshTokens, s.refreshTokens);
  refill(emu.codes, s.codes);
  refill(emu.deviceCodes, s.deviceCodes);
  if (s.callRecords) restoreCallRecords(emu, s.callRecords);
};

const snapshot = (emu: Emu, signingKey: JWK): M365Snapshot => {
  const now = Date.now();
  return {
    tenants: emu.world.tenants.map((t) => ({ ...t, seeded: [...t.seeded] })),
    apps: emu.world.apps,
    signingKey,
    refreshTokens: [...emu.refreshTokens],
    codes: [...emu.codes].filter(([, c]) => !c.used && c.expiresAt > now),
    deviceCodes: [...emu.deviceCodes].filter(([, d]) => d.expiresAt > now),
    callRecords: { ...callRecordsSnapshot(emu), generator: generatorSnapshot(emu) },
  };
};

/**
 * Opens the state file: the snapshot read back (if any) is what the caller builds the signer from and then
 * `restore`s; `attach` starts writing the emulator's state.
 */
export const openM365StateFile = (file: string, warn?: (m: string) => void) => {
  let source: (() => M365Snapshot) | undefined;
  const stateFile: StateFile<M365Snapshot> = openStateFile({
    file,
    format: FORMAT,
    version: VERSION,
    validate: validateSnapshot,
    snapshot: () => source?.() ?? fail('state file not attached'),
    ...(warn ? { warn } : {}),
  });
  return {
    loaded: stateFile.loaded,
    setAside: stateFile.setAside,
    /** Restores the loaded snapshot into `emu` (if one was read) and writes `emu`'s state from now on. */
    async attach(emu: Emu) {
      if (stateFile.loaded) restore(emu, stateFile.loaded);
      const signingKey = await emu.signer.privateJwk();
      source = () => snapshot(emu, signingKey);
      stateFile.changed();
    },
    changed: () => stateFile.changed(),
    close: () => stateFile.close(),
  };
};
