import {
  ChannelCreateSchema,
  ChannelListQuerySchema,
  ChannelPageSchema,
  ChannelSchema,
  ChannelUpdateSchema,
  IdParamsSchema,
  ProblemSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { ChannelsService } from './channels.service.ts';

export function registerChannelRoutes(app: App, { channels }: { channels: ChannelsService }) {
  const tags = ['channels'];
  app.get(
    '/api/v1/channels',
    {
      schema: {
        tags,
        summary: 'List channels in scope',
        querystring: ChannelListQuerySchema,
        response: { 200: ChannelPageSchema, ...problems },
      },
    },
    async (request) => channels.list(actorOf(request), request.query),
  );
  app.post(
    '/api/v1/channels',
    {
      schema: {
        tags,
        summary: 'Create a channel',
        body: ChannelCreateSchema,
        response: { 201: ChannelSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => reply.status(201).send(await channels.create(actorOf(request), request.body)),
  );
  app.get(
    '/api/v1/channels/:id',
    {
      schema: {
        tags,
        summary: 'Get a channel',
        params: IdParamsSchema,
        response: { 200: ChannelSchema, ...problems },
      },
    },
    async (request) => channels.get(actorOf(request), request.params.id),
  );
  app.patch(
    '/api/v1/channels/:id',
    {
      schema: {
        tags,
        summary: 'Rename a channel',
        params: IdParamsSchema,
        body: ChannelUpdateSchema,
        response: { 200: ChannelSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => channels.update(actorOf(request), request.params.id, request.body),
  );
}
