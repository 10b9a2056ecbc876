import {
  IdParamsSchema,
  ProblemSchema,
  UserCreateSchema,
  UserListQuerySchema,
  UserPageSchema,
  UserSchema,
  UserUpdateSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { NoContent, problems, type App } from '../http/types.ts';
import type { UsersService } from './users.service.ts';

export function registerUserRoutes(app: App, { users }: { users: UsersService }) {
  const tags = ['users'];
  app.get(
    '/api/v1/users',
    {
      schema: {
        tags,
        summary: 'List portal users in scope',
        querystring: UserListQuerySchema,
        response: { 200: UserPageSchema, ...problems },
      },
    },
    async (request) => users.list(actorOf(request), request.query),
  );
  app.post(
    '/api/v1/users',
    {
      schema: {
        tags,
        summary: 'Create a portal user',
        body: UserCreateSchema,
        response: { 201: UserSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => reply.status(201).send(await users.create(actorOf(request), request.body)),
  );
  app.get(
    '/api/v1/users/:id',
    {
      schema: {
        tags,
        summary: 'Get a portal user',
        params: IdParamsSchema,
        response: { 200: UserSchema, ...problems },
      },
    },
    async (request) => users.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/v1/users/:id',
    {
      schema: {
        tags,
        summary: 'Rename, reset the password of, or disable a user',
        params: IdParamsSchema,
        body: UserUpdateSchema,
        response: { 200: UserSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => users.update(actorOf(request), request.params.id, request.body),
  );
  app.delete(
    '/api/v1/users/:id',
    {
      schema: {
        tags,
        summary: 'Delete a portal user',
        params: IdParamsSchema,
        response: { 204: NoContent, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => {
      await users.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
