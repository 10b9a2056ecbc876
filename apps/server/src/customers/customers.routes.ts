import {
  CustomerCreateSchema,
  CustomerListQuerySchema,
  CustomerPageSchema,
  CustomerSchema,
  CustomerUpdateSchema,
  IdParamsSchema,
  ProblemSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { CustomersService } from './customers.service.ts';

export function registerCustomerRoutes(app: App, { customers }: { customers: CustomersService }) {
  const tags = ['customers'];
  app.get(
    '/api/v1/customers',
    {
      schema: {
        tags,
        summary: 'List customers in scope',
        querystring: CustomerListQuerySchema,
        response: { 200: CustomerPageSchema, ...problems },
      },
    },
    async (request) => customers.list(actorOf(request), request.query),
  );
  app.post(
    '/api/v1/customers',
    {
      schema: {
        tags,
        summary: 'Create a customer',
        body: CustomerCreateSchema,
        response: { 201: CustomerSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => reply.status(201).send(await customers.create(actorOf(request), request.body)),
  );
  app.get(
    '/api/v1/customers/:id',
    {
      schema: {
        tags,
        summary: 'Get a customer',
        params: IdParamsSchema,
        response: { 200: CustomerSchema, ...problems },
      },
    },
    async (request) => customers.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/v1/customers/:id',
    {
      schema: {
        tags,
        summary: 'Rename a customer or move it to another channel',
        params: IdParamsSchema,
        body: CustomerUpdateSchema,
        response: { 200: CustomerSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => customers.update(actorOf(request), request.params.id, request.body),
  );
}
