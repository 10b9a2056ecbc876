import type { AuditEvent, AuditExportQuery, AuditListQuery, Page } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from './audit.repository.ts';

/** At most this many events in one CSV export (the newest); narrow the filters for older ones. */
export const AUDIT_EXPORT_MAX = 100_000;
const EXPORT_PAGE = 1000;

const CSV_COLUMNS = [
  'at',
  'actor',
  'actor e-mail',
  'action',
  'outcome',
  'customer',
  'target type',
  'target',
  'sentence',
  'ip',
  'details',
] as const;

/** One CSV field (RFC 4180), with formula-looking text defused for spreadsheets. */
const csvField = (value: string | null): string => {
  let v = value ?? '';
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

const csvRow = (e: AuditEvent) =>
  [
    e.at,
    e.actorName,
    e.actorEmail,
    e.action,
    e.outcome,
    e.customerName,
    e.targetType,
    e.targetName ?? e.targetId,
    e.sentence,
    e.ip,
    JSON.stringify(e.summary),
  ]
    .map(csvField)
    .join(',');

/** Reads the audit trail within the actor's scope. There is no way to change it through the API. */
export function createAuditService({ repos }: { repos: { audit: AuditRepository } }) {
  return {
    async list(actor: Actor, query: AuditListQuery): Promise<Page<AuditEvent>> {
      const { items, total } = await repos.audit.list(scopeOf(actor), query);
      return { items, total, page: query.page, pageSize: query.pageSize };
    },

    /** The same filters and scope as `list`, every matching event (newest first) as CSV lines. */
    async *exportCsv(actor: Actor, query: AuditExportQuery): AsyncGenerator<string> {
      const scope = scopeOf(actor);
      yield `${CSV_COLUMNS.join(',')}\r\n`;
      for (let page = 1; (page - 1) * EXPORT_PAGE < AUDIT_EXPORT_MAX; page++) {
        const { items } = await repos.audit.list(scope, { ...query, page, pageSize: EXPORT_PAGE });
        if (items.length) yield items.map((e) => `${csvRow(e)}\r\n`).join('');
        if (items.length < EXPORT_PAGE) return;
      }
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
