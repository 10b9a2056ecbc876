import { randomUUID } from 'node:crypto';
import { can, type Sbc, type SbcTestResult, type SbcWrite } from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, forbidden, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { Vault } from '../secrets/vault.ts';
import type { SbcProvisioner } from './provisioner.ts';
import { SbcError, type SbcErrorKind } from './sbc-device.ts';
import {
  sbcPasswordContext,
  type SbcRowWrite,
  type SbcsRepository,
  type StoredSbc,
} from './sbcs.repository.ts';

/**
 * An SBC as the provisioner factory (`sbc/provisioners.ts`), the Configure SBC step and the health check use it:
 * the inventory entry with its management password opened. Never logged, never returned by the API.
 */
export type ResolvedSbc = Omit<StoredSbc, 'passwordSealed' | 'lastTest' | 'serviceCount'> & {
  /** Empty when none is stored. */
  username: string;
  /** Opened from the vault; empty when none is stored. */
  password: string;
};

/** An inventory entry with its management password opened from the vault (for a provisioner). */
export async function openSbc(vault: Vault, sbc: StoredSbc): Promise<ResolvedSbc> {
  const { passwordSealed, lastTest: _t, serviceCount: _c, ...rest } = sbc;
  return {
    ...rest,
    username: sbc.username ?? '',
    password: passwordSealed ? await vault.open(passwordSealed, sbcPasswordContext(sbc.id)) : '',
  };
}

/** Builds the provisioner of an entry (the composition root passes `createSbcProvisioner`). */
export type ProvisionerFor = (entry: ResolvedSbc) => SbcProvisioner;

const view = ({ passwordSealed, ...sbc }: StoredSbc): Sbc => ({
  ...sbc,
  hasPassword: passwordSealed !== null,
});

/** Which field a failed Test connection points at, for the form. */
const fieldOf: Record<SbcErrorKind, string> = {
  unauthorized: 'password',
  forbidden: 'username',
  busy: 'managementUrl',
  rejected: 'managementUrl',
  invalid: 'kind',
  unavailable: 'managementUrl',
  malformed: 'managementUrl',
};

const rowOf = (input: SbcWrite): SbcRowWrite => ({
  name: input.name,
  kind: input.kind,
  managementUrl: input.managementUrl,
  username: input.username || null,
  carrierFqdn: input.carrierFqdn,
  addresses: input.addresses,
  model: input.model,
  maxCustomers: input.maxCustomers ?? null,
  maxSessions: input.maxSessions ?? null,
  sessionsPerUser: input.sessionsPerUser,
});

/** What the audit keeps of a write: everything but the password, which is only said to be set or not. */
const auditSummary = (input: SbcWrite) => {
  const { password, ...rest } = input;
  return { ...rest, password: password === undefined ? 'unchanged' : password === null ? 'cleared' : 'set' };
};

/**
 * Settings → SBCs: the provider's SBC inventory. Provider admins write; channel admins read; customer admins
 * neither. Also the inventory's side for the SBC step and the health check: `resolve`/`resolveForService` open
 * the password for the provisioner.
 */
export function createSbcsService({
  repos,
  uow,
  vault,
  provisionerFor,
  now = () => new Date(),
}: {
  repos: { sbcs: SbcsRepository };
  uow: UnitOfWork<{ audit: AuditRepository; sbcs: SbcsRepository }>;
  vault: Vault;
  provisionerFor: ProvisionerFor;
  now?: () => Date;
}) {
  const mayRead = (actor: Actor) => {
    if (!can(actor.role, 'sbcs.view')) throw forbidden('Only provider and channel admins see the SBCs.');
  };
  const mayWrite = (actor: Actor) => {
    if (!can(actor.role, 'sbcs.manage')) throw forbidden('Only provider admins change the SBCs.');
  };
  const found = async (id: string) => {
    const sbc = await repos.sbcs.get(id);
    if (!sbc) throw notFound('The SBC');
    return sbc;
  };

  const open = (sbc: StoredSbc) => openSbc(vault, sbc);

  return {
    async list(actor: Actor): Promise<Sbc[]> {
      mayRead(actor);
      return (await repos.sbcs.list()).map(view);
    },

    async get(actor: Actor, id: string): Promise<Sbc> {
      mayRead(actor);
      return view(await found(id));
    },

    async create(actor: Actor, input: SbcWrite): Promise<Sbc> {
      mayWrite(actor);
      const id = randomUUID();
      const passwordSealed = input.password ? await vault.seal(input.password, sbcPasswordContext(id)) : null;
      const created = await uow(async (r) => {
        // The first SBC is the default; `isDefault: true` moves the default here.
        const isDefault = input.isDefault === true || (await r.sbcs.getDefault()) === null;
        if (isDefault) await r.sbcs.clearDefault();
        const sbc = await r.sbcs.create({ ...rowOf(input), id, passwordSealed, isDefault });
        if (!sbc) throw new Error('SBC not stored');
        await recordAudit(r.audit, actor, {
          action: 'sbc.create',
          targetType: 'sbc',
          targetId: id,
          summary: { ...auditSummary(input), isDefault },
        });
        return sbc;
      });
      return view(created);
    },

    async update(actor: Actor, id: string, input: SbcWrite): Promise<Sbc> {
      mayWrite(actor);
      const current = await found(id);
      if (input.isDefault === false && current.isDefault)
        throw new AppError(
          'conflict',
          'This is the default SBC: make another SBC the default instead of unsetting it.',
          {
            errors: [
              { path: 'isDefault', code: 'default', message: 'Make another SBC the default instead.' },
            ],
          },
        );
      const passwordSealed =
        input.password === undefined
          ? undefined
          : input.password === null
            ? null
            : await vault.seal(input.password, sbcPasswordContext(id));
      const updated = await uow(async (r) => {
        const makeDefault = input.isDefault === true && !current.isDefault;
        if (makeDefault) await r.sbcs.clearDefault();
        const sbc = await r.sbcs.update(id, {
          ...rowOf(input),
          ...(passwordSealed === undefined ? {} : { passwordSealed }),
          ...(makeDefault ? { isDefault: true } : {}),
        });
        if (!sbc) throw notFound('The SBC');
        await recordAudit(r.audit, actor, {
          action: 'sbc.update',
          targetType: 'sbc',
          targetId: id,
          summary: auditSummary(input),
        });
        return sbc;
      });
      return view(updated);
    },

    async remove(actor: Actor, id: string): Promise<void> {
      mayWrite(actor);
      const current = await found(id);
      const inUse = (n: number) =>
        new AppError(
          'conflict',
          `${n} ${n === 1 ? 'service uses' : 'services use'} this SBC: move or remove ${n === 1 ? 'it' : 'them'} first.`,
          { errors: [{ path: 'id', code: 'in_use', message: `Used by ${n} service${n === 1 ? '' : 's'}.` }] },
        );
      if (current.serviceCount > 0) throw inUse(current.serviceCount);
      if (current.isDefault && (await repos.sbcs.count()) > 1)
        throw new AppError('conflict', 'This is the default SBC: make another SBC the default first.', {
          errors: [{ path: 'isDefault', code: 'default', message: 'Make another SBC the default first.' }],
        });
      await uow(async (r) => {
        // The foreign key refuses the delete if a service took this SBC meanwhile.
        const again = await r.sbcs.get(id);
        if (!again) throw notFound('The SBC');
        if (again.serviceCount > 0) throw inUse(again.serviceCount);
        await r.sbcs.remove(id);
        await recordAudit(r.audit, actor, {
          action: 'sbc.delete',
          targetType: 'sbc',
          targetId: id,
          summary: { name: current.name },
        });
      });
    },

    /**
     * Test connection: reads the device through its provisioner (AudioCodes `GET /api/v1/status`, Kamailio
     * `core.version`), stores the result (and the time of contact when it answered). A failure is stored too and
     * answered as a problem naming the reason and the field it points at.
     */
    async test(actor: Actor, id: string): Promise<SbcTestResult> {
      mayWrite(actor);
      const sbc = await found(id);
      const testedAt = now().toISOString();
      let result: SbcTestResult;
      try {
        const read = await provisionerFor(await open(sbc)).test();
        result = { ok: true, testedAt, product: read.product, version: read.version, details: read.details };
      } catch (e) {
        if (!(e instanceof SbcError)) throw e;
        result = { ok: false, testedAt, error: e.kind, message: e.message };
      }
      await uow(async (r) => {
        await r.sbcs.recordTest(id, result);
        await recordAudit(r.audit, actor, {
          action: 'sbc.test',
          targetType: 'sbc',
          targetId: id,
          outcome: result.ok ? 'success' : 'failure',
          summary: result.ok
            ? { name: sbc.name, product: result.product, version: result.version }
            : { name: sbc.name, error: result.error, message: result.message },
        });
      });
      if (!result.ok)
        throw new AppError(result.error === 'invalid' ? 'conflict' : 'upstream_failed', result.message, {
          errors: [{ path: fieldOf[result.error], code: result.error, message: result.message }],
        });
      return result;
    },

    /** The SBC with its password opened, for the provisioner. Null: no such SBC. */
    async resolve(id: string): Promise<ResolvedSbc | null> {
      const sbc = await repos.sbcs.get(id);
      return sbc ? open(sbc) : null;
    },

    /**
     * The SBC a service's trunk is on (its own, else the default) with its password opened, for the Configure
     * SBC step, the plan preview and the health check. Keyed by a service id the caller has already checked.
     * 409 when the service has none and no default SBC exists.
     */
    async resolveForService(serviceId: string): Promise<ResolvedSbc> {
      const sbc = await repos.sbcs.getForService(serviceId);
      if (!sbc)
        throw new AppError(
          'conflict',
          'No SBC is set up: add one in Settings → SBCs and make it the default.',
          {
            errors: [{ path: 'sbcId', code: 'no_sbc', message: 'Add an SBC in Settings → SBCs.' }],
          },
        );
      return open(sbc);
    },
  };
}
export type SbcsService = ReturnType<typeof createSbcsService>;
