import type { Actor } from '../access/actor.ts';
import { redactDeep } from '../platform/logger.ts';
import type { AuditEntry, AuditRepository } from './audit.repository.ts';

export type AuditRecord = {
  action: string;
  targetType: string;
  targetId?: string | null;
  customerId?: string | null;
  channelId?: string | null;
  outcome?: 'success' | 'failure';
  summary?: Record<string, unknown>;
};

/** Builds an audit entry for an actor; secrets in the summary are redacted before they are stored. */
export function auditEntry(actor: Actor, record: AuditRecord): AuditEntry {
  return {
    actorId: actor.userId,
    actorEmail: actor.email,
    actorName: actor.name || null,
    channelId: record.channelId ?? null,
    customerId: record.customerId ?? null,
    action: record.action,
    targetType: record.targetType,
    targetId: record.targetId ?? null,
    outcome: record.outcome ?? 'success',
    summary: redactDeep(record.summary ?? {}) as Record<string, unknown>,
    ip: actor.ip,
  };
}

export const recordAudit = (repo: Pick<AuditRepository, 'append'>, actor: Actor, record: AuditRecord) =>
  repo.append(auditEntry(actor, record));
