import {
  IdParamsSchema,
  ProblemSchema,
  ServiceHealthResponseSchema,
  ServiceHealthSchema,
  WorkflowSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { HealthService } from './health.service.ts';

export function registerHealthRoutes(app: App, { health }: { health: HealthService }) {
  const tags = ['health'];
  app.get(
    '/api/v1/services/:id/health',
    {
      schema: {
        tags,
        summary: 'The latest health check of the service: five traffic lights with reasons and drift',
        params: IdParamsSchema,
        response: { 200: ServiceHealthResponseSchema, ...problems },
      },
    },
    async (request) => ({ health: await health.get(actorOf(request), request.params.id) }),
  );
  app.post(
    '/api/v1/services/:id/health/check',
    {
      schema: {
        tags,
        summary:
          'Check now: DNS, certificate, SBC rows, tenant and SIP OPTIONS; answers and keeps the result',
        params: IdParamsSchema,
        response: { 200: ServiceHealthSchema, ...problems },
      },
    },
    async (request) => health.checkNow(actorOf(request), request.params.id),
  );
  app.post(
    '/api/v1/services/:id/repair',
    {
      schema: {
        tags,
        summary:
          'Repair drift: re-runs the idempotent onboarding workflow the service had (409 while a run is open); the health is checked again when it finishes',
        params: IdParamsSchema,
        response: { 202: WorkflowSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await health.repair(actorOf(request), request.params.id)),
  );
}
