import { z } from 'zod';
import {
  AvailabilityQuerySchema,
  AvailabilitySchema,
  CustomerUsageSchema,
  IdParamsSchema,
  LicenseTypeSchema,
  ProblemSchema,
  ServiceCreateSchema,
  ServiceCreatedSchema,
  ServiceDraftDataSchema,
  ServiceDraftSchema,
  ServiceListQuerySchema,
  ServicePageSchema,
  ServiceSchema,
  ServiceUpdateSchema,
  ConnectionStatusSchema,
  AdminAuthSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { NoContent, problems, type App } from '../http/types.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { ServicesService } from './services.service.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';

export function registerServiceRoutes(
  app: App,
  {
    services,
    settings,
    connections,
  }: { services: ServicesService; settings: SettingsService; connections: ConnectionsService },
) {
  const tags = ['services'];
  app.get(
    '/api/v1/services',
    {
      schema: {
        tags,
        summary: 'List services in scope',
        querystring: ServiceListQuerySchema,
        response: { 200: ServicePageSchema, ...problems },
      },
    },
    async (request) => services.list(actorOf(request), request.query),
  );
  app.post(
    '/api/v1/services',
    {
      schema: {
        tags,
        summary: 'Add a Direct Routing service (new tenant) with admin credentials or an invitation',
        description:
          'The admin password, when given, is used once for the token request and never stored or returned.',
        body: ServiceCreateSchema,
        response: { 201: ServiceCreatedSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => reply.status(201).send(await services.create(actorOf(request), request.body)),
  );
  app.get(
    '/api/v1/services/availability',
    {
      schema: {
        tags,
        summary: 'Whether a short name and subdomain are valid and free',
        querystring: AvailabilityQuerySchema,
        response: { 200: AvailabilitySchema, ...problems },
      },
    },
    async (request) => services.availability(actorOf(request), request.query),
  );
  app.get(
    '/api/v1/services/:id',
    {
      schema: {
        tags,
        summary: 'Get a service',
        params: IdParamsSchema,
        response: { 200: ServiceSchema, ...problems },
      },
    },
    async (request) => services.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/v1/services/:id',
    {
      schema: {
        tags,
        summary: 'Change names or user count before the service is active',
        params: IdParamsSchema,
        body: ServiceUpdateSchema,
        response: { 200: ServiceSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => services.update(actorOf(request), request.params.id, request.body),
  );
  app.delete(
    '/api/v1/services/:id',
    {
      schema: {
        tags,
        summary: 'Delete a draft, pending or awaiting-token service',
        params: IdParamsSchema,
        response: { 204: NoContent, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => {
      await services.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/services/:id/authentication',
    {
      schema: {
        tags,
        summary: 'Re-initiate authentication: admin credentials again, or a new invitation link',
        description:
          'A new invitation replaces any pending one. A password is used once and never stored or returned.',
        params: IdParamsSchema,
        body: AdminAuthSchema,
        response: { 200: ServiceCreatedSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => services.reauthenticate(actorOf(request), request.params.id, request.body),
  );
  app.get(
    '/api/v1/services/:id/connection',
    {
      schema: {
        tags,
        summary: "The service's secure connection to Microsoft 365 (never a token)",
        params: IdParamsSchema,
        response: { 200: ConnectionStatusSchema, ...problems },
      },
    },
    async (request) => connections.status(actorOf(request), request.params.id),
  );
  app.get(
    '/api/v1/customers/:id/usage',
    {
      schema: {
        tags: ['customers'],
        summary: "A customer's licensed users across its services",
        params: IdParamsSchema,
        response: { 200: CustomerUsageSchema, ...problems },
      },
    },
    async (request) => services.usage(actorOf(request), request.params.id),
  );
  app.get(
    '/api/v1/customers/:id/service-draft',
    {
      schema: {
        tags,
        summary: 'Your unfinished new-tenant form for this customer (204 when there is none)',
        params: IdParamsSchema,
        response: { 200: ServiceDraftSchema, 204: NoContent, ...problems },
      },
    },
    async (request, reply) => {
      const draft = await services.getDraft(actorOf(request), request.params.id);
      return draft ? draft : reply.status(204).send(null);
    },
  );
  app.put(
    '/api/v1/customers/:id/service-draft',
    {
      schema: {
        tags,
        summary: 'Save your unfinished new-tenant form (never the password)',
        params: IdParamsSchema,
        body: ServiceDraftDataSchema,
        response: { 200: ServiceDraftSchema, ...problems },
      },
    },
    async (request) => services.saveDraft(actorOf(request), request.params.id, request.body),
  );
  app.delete(
    '/api/v1/customers/:id/service-draft',
    {
      schema: {
        tags,
        summary: 'Discard your unfinished new-tenant form',
        params: IdParamsSchema,
        response: { 204: NoContent, ...problems },
      },
    },
    async (request, reply) => {
      await services.deleteDraft(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/license-types',
    {
      schema: {
        tags,
        summary: 'Licence types a service can have',
        response: { 200: z.object({ items: z.array(LicenseTypeSchema) }), ...problems },
      },
    },
    async (request) => ({ items: await settings.licenseTypes(actorOf(request)) }),
  );
}
