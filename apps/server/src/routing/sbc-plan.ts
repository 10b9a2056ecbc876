import {
  SbcOutcomeSchema,
  sessionLimitFor,
  type PlanBlocker,
  type SbcPlanPreview,
} from '@trunkline/contracts';
import { AppError, invalid } from '../platform/errors.ts';
import type { SbcNumberRange } from '../sbc/provisioner.ts';
import { SbcError } from '../sbc/sbc-device.ts';
import type { ResolvedSbcEntry, SbcAdapters } from './context.ts';
import type { SbcPlan } from './plan.ts';

/**
 * The Configure SBC step's plan, fixed when a run starts: the SBC (the one asked for, else the service's, else the
 * default), the customer FQDN, the number ranges and the session limit (ceil(licensed users × the SBC's sessions
 * per user), at least 1). A service without number ranges is refused: on the shared carrier trunk the SBC finds
 * the customer of an inbound call by its number, so rows without ranges would route nothing (and the default
 * templates repeat their dial-plan rows per range).
 */

export type SbcPlannedService = { id: string; shortName: string; trunkFqdn: string; licensedUsers: number };

/** A range as the number ranges panel writes it: `+4930123456`, `+4930123*`, `+4930123[1000-1999]`. */
const rangeText = (r: SbcNumberRange) =>
  r.kind === 'number' ? r.number : r.kind === 'prefix' ? `${r.prefix}*` : `${r.prefix}[${r.from}-${r.to}]`;

export const NO_RANGES: PlanBlocker = {
  row: 'number-ranges',
  reason:
    'The service has no number ranges: the SBC finds the customer of an inbound call by the called number, so without ranges no call reaches the tenant.',
  fix: "Add the customer's number ranges (Number ranges on the service page), then preview again.",
};

export async function sbcPlanFor(
  adapters: SbcAdapters,
  service: SbcPlannedService,
  outcomes: Record<string, unknown>,
  sbcId?: string,
): Promise<{ plan: SbcPlan; entry: ResolvedSbcEntry; blocking: PlanBlocker[] }> {
  const recorded = SbcOutcomeSchema.safeParse(outcomes['configure-sbc'] ?? {});
  const onSbc = recorded.success ? recorded.data.record?.sbcId : undefined;
  if (sbcId && onSbc && sbcId !== onSbc)
    throw new AppError(
      'conflict',
      "The customer's rows are on another SBC: remove the service from it first (moving a service between SBCs is not supported).",
      {
        errors: [
          { path: 'sbcId', code: 'fixed', message: 'The service stays on the SBC that holds its rows.' },
        ],
      },
    );
  const wanted = sbcId ?? onSbc;
  const entry = wanted ? await adapters.resolve(wanted) : await adapters.forService(service.id);
  if (!entry) {
    if (sbcId) throw invalid([{ path: 'sbcId', code: 'not_found', message: 'No such SBC.' }]);
    throw new AppError(
      'conflict',
      'No SBC is set up: add one under Settings → SBCs and make it the default.',
      {
        errors: [{ path: 'sbcId', code: 'no_sbc', message: 'Add an SBC under Settings → SBCs.' }],
      },
    );
  }
  const ranges = await adapters.ranges(service.id);
  return {
    entry,
    plan: {
      sbcId: entry.id,
      sbcName: entry.name,
      kind: entry.kind,
      customer: {
        serviceId: service.id,
        shortName: service.shortName,
        fqdn: service.trunkFqdn,
        ranges,
        sessionLimit: sessionLimitFor(service.licensedUsers, entry.sessionsPerUser),
        model: entry.model,
      },
    },
    blocking: ranges.length === 0 ? [NO_RANGES] : [],
  };
}

/** The device's verdict on the plan, without changing anything: the exact text, what would be removed. */
export async function previewSbcPlan(
  adapters: SbcAdapters,
  serviceId: string,
  { plan, entry, blocking }: Awaited<ReturnType<typeof sbcPlanFor>>,
  outcomes: Record<string, unknown>,
): Promise<SbcPlanPreview> {
  const base: SbcPlanPreview = {
    serviceId,
    sbc: { id: entry.id, name: entry.name, kind: entry.kind, model: entry.model },
    customerFqdn: plan.customer.fqdn,
    sessionLimit: plan.customer.sessionLimit,
    ranges: plan.customer.ranges.map(rangeText),
    changes: [],
    foreign: [],
    notes: [],
    warnings: [],
    blocking: [...blocking],
  };
  if (blocking.length > 0) return base;
  const recorded = SbcOutcomeSchema.safeParse(outcomes['configure-sbc'] ?? {});
  try {
    const provisioner = adapters.provisioner(entry);
    const preview = await provisioner.planApply(
      plan.customer,
      (recorded.success ? recorded.data.record : null) ?? undefined,
    );
    return { ...base, changes: preview.changes, foreign: preview.foreign, notes: preview.notes };
  } catch (e) {
    if (!(e instanceof SbcError)) throw e;
    if (e.transient) return { ...base, warnings: [`${entry.name}: ${e.message}`] };
    return {
      ...base,
      blocking: [
        {
          row: 'sbc',
          reason: e.line === undefined ? e.message : `${e.message} (line ${e.line})`,
          fix:
            e.kind === 'invalid'
              ? 'Fix the SBC template under Settings → SBCs, then preview again.'
              : e.kind === 'unauthorized' || e.kind === 'forbidden'
                ? "Correct the SBC's credentials under Settings → SBCs (Test connection), then preview again."
                : 'Fix what the SBC refused, then preview again.',
        },
      ],
    };
  }
}
