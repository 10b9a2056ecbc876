import {
  IdParamsSchema,
  ProblemSchema,
  SbcListSchema,
  SbcSchema,
  SbcTemplateListSchema,
  SbcTemplateSchema,
  SbcTemplateWriteSchema,
  SbcTestResultSchema,
  SbcWriteSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { NoContent, problems, type App } from '../http/types.ts';
import type { SbcTemplatesService } from './sbc-templates.service.ts';
import type { SbcsService } from './sbcs.service.ts';

/** Settings → SBCs: the SBC inventory and the SBC templates. */
export function registerSbcRoutes(
  app: App,
  { sbcs, sbcTemplates }: { sbcs: SbcsService; sbcTemplates: SbcTemplatesService },
) {
  const tags = ['sbcs'];
  app.get(
    '/api/v1/sbcs',
    { schema: { tags, summary: 'The SBC inventory', response: { 200: SbcListSchema, ...problems } } },
    async (request) => ({ items: await sbcs.list(actorOf(request)) }),
  );
  app.post(
    '/api/v1/sbcs',
    {
      schema: {
        tags,
        summary: 'Add an SBC (provider admins)',
        body: SbcWriteSchema,
        response: { 201: SbcSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => reply.status(201).send(await sbcs.create(actorOf(request), request.body)),
  );
  app.get(
    '/api/v1/sbcs/:id',
    {
      schema: {
        tags,
        summary: 'One SBC',
        params: IdParamsSchema,
        response: { 200: SbcSchema, ...problems },
      },
    },
    async (request) => sbcs.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/v1/sbcs/:id',
    {
      schema: {
        tags,
        summary: 'Change an SBC (provider admins; the whole entry, the password absent keeps it)',
        params: IdParamsSchema,
        body: SbcWriteSchema,
        response: { 200: SbcSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => sbcs.update(actorOf(request), request.params.id, request.body),
  );
  app.delete(
    '/api/v1/sbcs/:id',
    {
      schema: {
        tags,
        summary: 'Remove an SBC no service uses (provider admins)',
        params: IdParamsSchema,
        response: { 204: NoContent, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => {
      await sbcs.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/api/v1/sbcs/:id/test',
    {
      schema: {
        tags,
        summary:
          'Test connection: read the device (provider admins); a failure is a problem naming the reason',
        params: IdParamsSchema,
        response: { 200: SbcTestResultSchema, 409: ProblemSchema, 502: ProblemSchema, ...problems },
      },
    },
    async (request) => sbcs.test(actorOf(request), request.params.id),
  );

  app.get(
    '/api/v1/sbc-templates',
    {
      schema: {
        tags,
        summary: 'The SBC templates in force, with the variables they may use',
        response: { 200: SbcTemplateListSchema, ...problems },
      },
    },
    async (request) => sbcTemplates.list(actorOf(request)),
  );
  app.post(
    '/api/v1/sbc-templates',
    {
      schema: {
        tags,
        summary: 'Add an SBC template (provider admins); validated, problems name their line',
        body: SbcTemplateWriteSchema,
        response: { 201: SbcTemplateSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await sbcTemplates.create(actorOf(request), request.body)),
  );
  app.get(
    '/api/v1/sbc-templates/:id',
    {
      schema: {
        tags,
        summary: 'One SBC template',
        params: IdParamsSchema,
        response: { 200: SbcTemplateSchema, ...problems },
      },
    },
    async (request) => sbcTemplates.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/v1/sbc-templates/:id',
    {
      schema: {
        tags,
        summary: 'Change an SBC template (provider admins; the whole template)',
        params: IdParamsSchema,
        body: SbcTemplateWriteSchema,
        response: { 200: SbcTemplateSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => sbcTemplates.update(actorOf(request), request.params.id, request.body),
  );
  app.delete(
    '/api/v1/sbc-templates/:id',
    {
      schema: {
        tags,
        summary: 'Remove an SBC template (provider admins; removing the last brings the built-in ones back)',
        params: IdParamsSchema,
        response: { 204: NoContent, ...problems },
      },
    },
    async (request, reply) => {
      await sbcTemplates.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
