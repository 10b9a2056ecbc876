import {
  can,
  sbcTemplateVariables,
  type SbcTemplateList,
  type SbcTemplateView,
  type SbcTemplateWrite,
} from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { forbidden, invalid, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { templateProblems } from './templates.ts';
import type {
  SbcTemplateRowWrite,
  SbcTemplatesRepository,
  StoredSbcTemplate,
} from './templates.repository.ts';

const view = (t: StoredSbcTemplate): SbcTemplateView => ({
  id: t.id,
  name: t.name,
  model: t.model,
  firmwareFamily: t.firmwareFamily ?? null,
  onboarding: t.onboarding,
  cleanup: t.cleanup,
  builtIn: t.builtIn,
  updatedAt: t.updatedAt,
});

/** Validates a template (`templates.ts`): 422 with one field error per problem, each naming its line. */
const validated = (input: SbcTemplateWrite): SbcTemplateRowWrite => {
  const problems = templateProblems(input);
  if (problems.length > 0)
    throw invalid(
      problems.map((p) => ({ path: p.part, code: 'template', message: `Line ${p.line}: ${p.message}` })),
    );
  return {
    name: input.name,
    model: input.model,
    firmwareFamily: input.firmwareFamily || null,
    onboarding: input.onboarding,
    cleanup: input.cleanup,
  };
};

/**
 * The provider's SBC templates (Settings → SBCs → Templates): provider admins write, channel admins read.
 * Every write validates the template first; the first write stores the built-in ones, so none is lost.
 */
export function createSbcTemplatesService({
  repos,
  uow,
}: {
  repos: { sbcTemplates: SbcTemplatesRepository };
  uow: UnitOfWork<{ audit: AuditRepository; sbcTemplates: SbcTemplatesRepository }>;
}) {
  const mayRead = (actor: Actor) => {
    if (!can(actor.role, 'sbcs.view'))
      throw forbidden('Only provider and channel admins see the SBC templates.');
  };
  const mayWrite = (actor: Actor) => {
    if (!can(actor.role, 'sbcs.manage')) throw forbidden('Only provider admins change the SBC templates.');
  };
  const audit = (r: { audit: AuditRepository }, actor: Actor, action: string, id: string, name: string) =>
    recordAudit(r.audit, actor, { action, targetType: 'sbc-template', targetId: id, summary: { name } });

  return {
    async list(actor: Actor): Promise<SbcTemplateList> {
      mayRead(actor);
      return {
        items: (await repos.sbcTemplates.list()).map(view),
        variables: sbcTemplateVariables.map((v) => ({ ...v })),
      };
    },

    async get(actor: Actor, id: string): Promise<SbcTemplateView> {
      mayRead(actor);
      const template = await repos.sbcTemplates.get(id);
      if (!template) throw notFound('The template');
      return view(template);
    },

    async create(actor: Actor, input: SbcTemplateWrite): Promise<SbcTemplateView> {
      mayWrite(actor);
      const row = validated(input);
      return view(
        await uow(async (r) => {
          await r.sbcTemplates.seedDefaults();
          const created = await r.sbcTemplates.create(row);
          await audit(r, actor, 'sbc-template.create', created.id, created.name);
          return created;
        }),
      );
    },

    async update(actor: Actor, id: string, input: SbcTemplateWrite): Promise<SbcTemplateView> {
      mayWrite(actor);
      const row = validated(input);
      return view(
        await uow(async (r) => {
          await r.sbcTemplates.seedDefaults();
          const updated = await r.sbcTemplates.update(id, row);
          if (!updated) throw notFound('The template');
          await audit(r, actor, 'sbc-template.update', id, updated.name);
          return updated;
        }),
      );
    },

    /** Deletes a template; deleting the last stored one brings the built-in ones back. */
    async remove(actor: Actor, id: string): Promise<void> {
      mayWrite(actor);
      await uow(async (r) => {
        await r.sbcTemplates.seedDefaults();
        const template = await r.sbcTemplates.get(id);
        if (!template || !(await r.sbcTemplates.remove(id))) throw notFound('The template');
        await audit(r, actor, 'sbc-template.delete', id, template.name);
      });
    },
  };
}
export type SbcTemplatesService = ReturnType<typeof createSbcTemplatesService>;
