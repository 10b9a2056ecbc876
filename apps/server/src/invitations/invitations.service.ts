import { timingSafeEqual } from 'node:crypto';
import type { Invitation, InvitationListQuery, InvitationView, Page } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.ts';
import { sendInvitationJob } from '../jobs/definitions.ts';
import type { Mailer } from '../mail/mailer.ts';
import { AppError, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { invitationEmail } from './invitation-email.ts';
import type { InvitationTokens } from './invitation-token.ts';
import type { InvitationsRepository } from './invitations.repository.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { CustomersRepository } from '../customers/customers.repository.ts';
import type { TransactionJobQueue } from '../jobs/job.ts';
import type { SettingsRepository } from '../settings/settings.repository.ts';

type Deps = {
  repos: { invitations: InvitationsRepository; customers: CustomersRepository; settings: SettingsRepository };
  uow: UnitOfWork<{ invitations: InvitationsRepository; audit: AuditRepository; jobs: TransactionJobQueue }>;
  tokens: InvitationTokens;
  invitationTtlDays: number;
  now?: () => Date;
};

const FINAL = new Set(['completed', 'revoked']);

export function createInvitationsService({
  repos,
  uow,
  tokens,
  invitationTtlDays,
  now = () => new Date(),
}: Deps) {
  async function inScope(actor: Actor, id: string) {
    const invitation = await repos.invitations.get(scopeOf(actor), id);
    if (!invitation) throw notFound('Invitation');
    return invitation;
  }
  /**
   * The invitation an older link of which this token is (a resend replaced it), with the generation it was;
   * null for a token that never was a link. Only links resent within their validity are compared.
   */
  async function replacedBy(token: string) {
    const given = Buffer.from(token);
    for (const { id, tokenGeneration } of await repos.invitations.resentSince(now())) {
      for (let generation = 1; generation < tokenGeneration; generation++) {
        const candidate = Buffer.from(tokens.tokenFor(id, generation));
        if (candidate.length === given.length && timingSafeEqual(candidate, given)) {
          const invitation = await repos.invitations.get({ kind: 'provider' }, id);
          return invitation ? { ...invitation, openedGeneration: generation } : null;
        }
      }
    }
    return null;
  }
  const channelOf = async (customerId: string) =>
    (await repos.customers.get({ kind: 'provider' }, customerId))?.channelId ?? null;

  return {
    async list(actor: Actor, query: InvitationListQuery): Promise<Page<Invitation>> {
      const { items, total } = await repos.invitations.list(scopeOf(actor), query);
      return { items, total, page: query.page, pageSize: query.pageSize };
    },

    /** The link, recomputed from the master key (it is never stored). */
    async link(actor: Actor, id: string): Promise<{ link: string }> {
      const invitation = await inScope(actor, id);
      return { link: tokens.linkFor(invitation.id, invitation.tokenGeneration) };
    },

    /** A new link and a new expiry; the previous link stops working. The e-mail goes out as a durable job. */
    async resend(actor: Actor, id: string): Promise<Invitation> {
      const scope = scopeOf(actor);
      const invitation = await inScope(actor, id);
      if (FINAL.has(invitation.status))
        throw new AppError('conflict', `The invitation is ${invitation.status}; it cannot be sent again.`, {
          errors: [{ path: 'status', code: 'final', message: `Already ${invitation.status}.` }],
        });
      const channelId = await channelOf(invitation.customerId);
      const generation = invitation.tokenGeneration + 1;
      const expiresAt = new Date(now().getTime() + invitationTtlDays * 86_400_000);
      await uow(async (r) => {
        await r.invitations.rotate(scope, id, {
          tokenGeneration: generation,
          tokenHash: tokens.hashOf(tokens.tokenFor(id, generation)),
          expiresAt,
        });
        await r.jobs.send(sendInvitationJob, { invitationId: id });
        await recordAudit(r.audit, actor, {
          action: 'invitation.resend',
          targetType: 'invitation',
          targetId: id,
          customerId: invitation.customerId,
          channelId,
          summary: { email: invitation.email, expiresAt: expiresAt.toISOString() },
        });
      });
      return (await repos.invitations.get(scope, id))!;
    },

    async revoke(actor: Actor, id: string): Promise<Invitation> {
      const scope = scopeOf(actor);
      const invitation = await inScope(actor, id);
      if (FINAL.has(invitation.status))
        throw new AppError('conflict', `The invitation is ${invitation.status} already.`, {
          errors: [{ path: 'status', code: 'final', message: `Already ${invitation.status}.` }],
        });
      const channelId = await channelOf(invitation.customerId);
      await uow(async (r) => {
        await r.invitations.setStatus(id, 'revoked');
        await recordAudit(r.audit, actor, {
          action: 'invitation.revoke',
          targetType: 'invitation',
          targetId: id,
          customerId: invitation.customerId,
          channelId,
          summary: { email: invitation.email },
        });
      });
      return (await repos.invitations.get(scope, id))!;
    },

    /** What the invitation link shows; the first view of a usable link marks it opened. */
    async open(token: string): Promise<InvitationView> {
      const current = await repos.invitations.findByTokenHash(tokens.hashOf(token));
      const invitation = current
        ? { ...current, openedGeneration: current.tokenGeneration }
        : await replacedBy(token);
      if (!invitation) throw notFound('Invitation');
      const { providerName } = await repos.settings.get();
      const replaced = async () =>
        invitation.tokenGeneration !== invitation.openedGeneration ||
        (await repos.invitations.hasNewerForService(invitation.serviceId, invitation.id));
      const state: InvitationView['state'] =
        invitation.status === 'completed'
          ? 'used'
          : (invitation.status === 'revoked' || invitation.tokenGeneration !== invitation.openedGeneration) &&
              (await replaced())
            ? 'superseded'
            : invitation.status === 'revoked'
              ? 'revoked'
              : invitation.status === 'expired'
                ? 'expired'
                : 'valid';
      if (state === 'valid' && invitation.status !== 'opened')
        await repos.invitations.setStatus(invitation.id, 'opened', { openedAt: now() });
      // A link that no longer works (forwarded, leaked into a log or a browser history) names nobody.
      const valid = state === 'valid';
      return {
        state,
        providerName,
        customerName: valid ? invitation.customerName : null,
        serviceName: valid ? invitation.serviceName : null,
        expiresAt: invitation.expiresAt,
      };
    },
  };
}
export type InvitationsService = ReturnType<typeof createInvitationsService>;

/**
 * The job that e-mails an invitation. Each attempt is recorded on the invitation (sent, or send-failed with
 * the mail server's answer); a failed attempt throws, so the job is retried by its definition's backoff.
 */
export function createInvitationSender({
  repos,
  mailer,
  tokens,
}: {
  repos: { invitations: InvitationsRepository; settings: SettingsRepository };
  mailer: Mailer;
  tokens: InvitationTokens;
}) {
  return async ({ invitationId }: { invitationId: string }) => {
    const invitation = await repos.invitations.forDelivery(invitationId);
    if (!invitation || ['completed', 'revoked', 'expired'].includes(invitation.status)) return;
    const { providerName } = await repos.settings.get();
    const message = invitationEmail({
      to: invitation.email,
      providerName,
      customerName: invitation.customerName,
      serviceName: invitation.serviceName,
      link: tokens.linkFor(invitation.id, invitation.tokenGeneration),
      expiresAt: new Date(invitation.expiresAt),
    });
    try {
      await mailer.send(message);
    } catch (e) {
      await repos.invitations.recordSendAttempt(invitationId, {
        ok: false,
        error: e instanceof Error ? e.message : String(e),
      });
      throw e;
    }
    await repos.invitations.recordSendAttempt(invitationId, { ok: true });
  };
}
