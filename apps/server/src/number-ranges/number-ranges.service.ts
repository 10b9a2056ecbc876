import {
  can,
  formatNumberRange,
  overlapsWithin,
  parseNumberRange,
  parseNumberRangesCsv,
  rangesOverlap,
  NUMBER_RANGES_MAX,
  type FieldError,
  type NumberRangeInput,
  type NumberRangeList,
  type NumberRangesChanged,
  type NumberRangesUpdate,
  type SbcNumberRange,
} from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import type { CustomersRepository } from '../customers/customers.repository.ts';
import { lifecycleOf } from '../lifecycle/lifecycle.ts';
import type { LifecycleRepository } from '../lifecycle/lifecycle.repository.ts';
import type { TransactionJobQueue } from '../jobs/job.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { AppError, forbidden, invalid, notFound } from '../platform/errors.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import type { NewNumberRange, NumberRangesRepository } from './number-ranges.repository.ts';

/** What changed in one write of a service's number ranges. */
export type NumberRangesChange = {
  serviceId: string;
  customerId: string;
  /** The whole list after the change, in order. */
  ranges: SbcNumberRange[];
  added: SbcNumberRange[];
  removed: SbcNumberRange[];
};

/**
 * Called inside the writing transaction when a write changed the list (never for a write that changed nothing),
 * with the transaction's job queue: a job it sends exists only if the change commits. The Configure SBC step
 * hooks its re-run here from the composition root; the default does nothing.
 */
export type OnRangesChanged = (
  change: NumberRangesChange,
  tx: { jobs: TransactionJobQueue },
) => Promise<void>;

type Transaction = {
  audit: AuditRepository;
  customers: CustomersRepository;
  lifecycle: LifecycleRepository;
  numberRanges: NumberRangesRepository;
  jobs: TransactionJobQueue;
};

type Deps = {
  repos: { services: ServicesRepository; numberRanges: NumberRangesRepository };
  uow: UnitOfWork<Transaction>;
  onRangesChanged?: OnRangesChanged;
};

/** One item of a write, with where a problem with it is reported (`ranges.3.range`, or `lines.7`). */
type Item = NewNumberRange & { path: string; label: string };

const key = (r: SbcNumberRange) => formatNumberRange(r);
/** The audit record lists at most this many ranges of each kind (the counts are complete). */
const AUDIT_LIST_MAX = 100;

/**
 * A service's number ranges (issue #11): the customer's numbers the SBC routes to its tenant. Everyone who sees
 * the service reads them; the provider and channel admins change them (`number-ranges.edit`): a range claims
 * PSTN numbers on the provider's shared SBC, which the operator who placed the numbers with the customer
 * answers for, so a customer admin cannot claim numbers. A range may overlap no other service's (409 naming
 * that customer and service) nor another item of the same list (422 naming both), checked under one lock in the
 * transaction that writes. A removed service's ranges stay on record but claim no numbers any more; its list no
 * longer changes, nor while it is being removed.
 */
export function createNumberRangesService({ repos, uow, onRangesChanged = async () => {} }: Deps) {
  async function inScope(actor: Actor, serviceId: string) {
    const service = await repos.services.get(scopeOf(actor), serviceId);
    if (!service) throw notFound('Service');
    return service;
  }
  function mayEdit(actor: Actor) {
    if (!can(actor.role, 'number-ranges.edit'))
      throw forbidden('Only the provider or the channel changes the number ranges of a service.');
  }

  /** 422 for items of one list that overlap each other, naming both. */
  function assertNoOverlapWithin(items: Item[]) {
    const errors: FieldError[] = overlapsWithin(items.map((i) => i.range)).map(({ index, other }) => {
      const [a, b] = [items[index]!, items[other]!];
      return {
        path: a.path,
        code: 'overlap',
        message: `${key(a.range)} (${a.label}) overlaps ${key(b.range)} (${b.label}).`,
      };
    });
    if (errors.length) throw invalid(errors);
  }

  /** Replaces the list inside one transaction, under the writers' lock; answers the list and what changed. */
  async function write(
    actor: Actor,
    service: { id: string; customerId: string },
    input: Item[],
    action: 'replace' | 'import',
  ): Promise<NumberRangesChanged> {
    return uow(async (r) => {
      await r.numberRanges.lockForWrite();
      const lifecycle = await lifecycleOf(r, service.id);
      if (lifecycle.state === 'removed' || lifecycle.phase === 'offboarding')
        throw new AppError(
          'conflict',
          `The service is ${lifecycle.label.toLowerCase()}: its number ranges no longer change (a removed service's numbers are free for others).`,
          { errors: [{ path: 'status', code: 'not_editable', message: lifecycle.label }] },
        );
      const before = await r.numberRanges.entries(service.id);
      // The import appends: the ranges already stored come first, as they are.
      const items =
        action === 'replace'
          ? input
          : [
              ...before.map((b, i) => ({ ...b, path: `ranges.${i}.range`, label: 'already in the list' })),
              ...input,
            ];
      if (items.length > NUMBER_RANGES_MAX)
        throw invalid([
          {
            path: 'lines',
            code: 'too_many',
            message: `The service has ${before.length} ranges; ${input.length} more would pass the limit of ${NUMBER_RANGES_MAX}.`,
          },
        ]);
      assertNoOverlapWithin(items);
      // A removed service's numbers are free: its SBC rows are gone.
      const candidates = await r.numberRanges.foreignCandidates(
        service.id,
        items.map((i) => i.range),
      );
      const released = new Set<string>();
      for (const id of new Set(candidates.map((c) => c.serviceId)))
        if ((await lifecycleOf(r, id)).state === 'removed') released.add(id);
      const foreign = candidates.filter((c) => !released.has(c.serviceId));
      const errors: FieldError[] = [];
      for (const item of items) {
        const other = foreign.find((f) => rangesOverlap(f.range, item.range));
        if (other)
          errors.push({
            path: item.path,
            code: 'taken',
            message: `${key(item.range)} overlaps ${key(other.range)} of ${other.customerName} — ${other.serviceName} (${other.shortName}).`,
          });
      }
      if (errors.length)
        throw new AppError(
          'conflict',
          `Numbers of ${errors.length === 1 ? 'this range belong' : 'these ranges belong'} to another service: ${errors.map((e) => e.message).join(' ')}`,
          { errors },
        );
      const after = items.map((i) => i.range);
      const beforeRanges = before.map((b) => b.range);
      const [beforeKeys, afterKeys] = [new Set(beforeRanges.map(key)), new Set(after.map(key))];
      const added = after.filter((x) => !beforeKeys.has(key(x)));
      const removed = beforeRanges.filter((x) => !afterKeys.has(key(x)));
      const line = (e: NewNumberRange) => `${key(e.range)} ${e.description ?? ''}`;
      const unchanged = before.map(line).join('\n') === items.map(line).join('\n');
      if (!unchanged) {
        await r.numberRanges.replace(service.id, items);
        const customer = await r.customers.get(scopeOf(actor), service.customerId);
        const some = (xs: SbcNumberRange[]) => xs.slice(0, AUDIT_LIST_MAX).map(key);
        await recordAudit(r.audit, actor, {
          action: 'service.number-ranges',
          targetType: 'service',
          targetId: service.id,
          customerId: service.customerId,
          channelId: customer?.channelId ?? null,
          summary: {
            via: action,
            beforeCount: before.length,
            afterCount: after.length,
            added: some(added),
            removed: some(removed),
            before: some(beforeRanges),
            after: some(after),
          },
        });
      }
      const list = await r.numberRanges.list(service.id);
      if (added.length || removed.length)
        await onRangesChanged(
          { serviceId: service.id, customerId: service.customerId, ranges: after, added, removed },
          { jobs: r.jobs },
        );
      return { items: list, added: added.map(key), removed: removed.map(key) };
    });
  }

  const itemsOf = (
    inputs: NumberRangeInput[],
    pathOf: (i: number) => string,
    labelOf: (i: number) => string,
  ) => {
    const errors: FieldError[] = [];
    const items: Item[] = [];
    inputs.forEach((input, i) => {
      const parsed = parseNumberRange(input.range);
      if (!parsed.ok) errors.push({ path: pathOf(i), code: 'invalid', message: parsed.message });
      else
        items.push({
          range: parsed.range,
          entered: input.range.trim(),
          description: input.description?.trim() || null,
          path: pathOf(i),
          label: labelOf(i),
        });
    });
    if (errors.length) throw invalid(errors);
    return items;
  };

  return {
    async list(actor: Actor, serviceId: string): Promise<NumberRangeList> {
      await inScope(actor, serviceId);
      return { items: await repos.numberRanges.list(serviceId) };
    },

    /** Replaces the list (`PUT`): problems are reported per item, `ranges.3.range`. */
    async replace(actor: Actor, serviceId: string, input: NumberRangesUpdate): Promise<NumberRangesChanged> {
      const service = await inScope(actor, serviceId);
      mayEdit(actor);
      const items = itemsOf(
        input.ranges,
        (i) => `ranges.${i}.range`,
        (i) => `item ${i + 1}`,
      );
      return write(actor, service, items, 'replace');
    },

    /**
     * The CSV import: one range per line, appended to the list. Every bad line is reported (`lines.7`) and
     * nothing is written unless all are good.
     */
    async importCsv(actor: Actor, serviceId: string, csv: string): Promise<NumberRangesChanged> {
      const service = await inScope(actor, serviceId);
      mayEdit(actor);
      const parsed = parseNumberRangesCsv(csv);
      if (parsed.errors.length)
        throw invalid(
          parsed.errors.map((e) => ({ path: `lines.${e.line}`, code: 'invalid', message: e.message })),
        );
      if (parsed.items.length === 0)
        throw invalid([{ path: 'lines', code: 'empty', message: 'The file holds no number ranges.' }]);
      const added = itemsOf(
        parsed.items,
        (i) => `lines.${parsed.items[i]!.line}`,
        (i) => `line ${parsed.items[i]!.line}`,
      );
      return write(actor, service, added, 'import');
    },
  };
}
export type NumberRangesService = ReturnType<typeof createNumberRangesService>;
