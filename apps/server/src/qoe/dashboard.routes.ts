import {
  IdParamsSchema,
  QoeCallDetailSchema,
  QoeCallListQuerySchema,
  QoeCallPageSchema,
  QoeCallParamsSchema,
  QoeRangeQuerySchema,
  QoeServiceSummariesQuerySchema,
  QoeServiceSummariesSchema,
  QoeServiceSummarySchema,
  QoeSummarySchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { QoeDashboardService } from './dashboard.service.ts';

/** The QoE dashboards (issue #15): read-only, every role within its scope. */
export function registerQoeDashboardRoutes(
  app: App,
  { qoeDashboard }: { qoeDashboard: QoeDashboardService },
) {
  app.get(
    '/api/v1/qoe/summary',
    {
      schema: {
        tags: ['qoe'],
        summary:
          'QoE overview: calls answered/failed over time, success rate, top SIP codes, poor-stream share, percentiles, top services by poor calls',
        querystring: QoeRangeQuerySchema,
        response: { 200: QoeSummarySchema, ...problems },
      },
    },
    async (request) => qoeDashboard.summary(actorOf(request), request.query),
  );

  app.get(
    '/api/v1/qoe/calls',
    {
      schema: {
        tags: ['qoe'],
        summary: 'Call records and failed Direct Routing attempts, newest first (keyset pages)',
        querystring: QoeCallListQuerySchema,
        response: { 200: QoeCallPageSchema, ...problems },
      },
    },
    async (request) => qoeDashboard.calls(actorOf(request), request.query),
  );

  app.get(
    '/api/v1/services/:id/qoe/calls/:callId',
    {
      schema: {
        tags: ['qoe'],
        summary: "A call record's sessions, segments and media streams with their metrics and poor flags",
        params: QoeCallParamsSchema,
        response: { 200: QoeCallDetailSchema, ...problems },
      },
    },
    async (request) => qoeDashboard.call(actorOf(request), request.params.id, request.params.callId),
  );

  app.get(
    '/api/v1/services/:id/qoe/summary',
    {
      schema: {
        tags: ['qoe'],
        summary: "The service's last 24 hours: calls, success rate, poor-stream share",
        params: IdParamsSchema,
        response: { 200: QoeServiceSummarySchema, ...problems },
      },
    },
    async (request) => qoeDashboard.serviceSummary(actorOf(request), request.params.id),
  );

  app.get(
    '/api/v1/qoe/service-summaries',
    {
      schema: {
        tags: ['qoe'],
        summary:
          'The last 24 hours of several services in one request (those outside your scope are left out)',
        querystring: QoeServiceSummariesQuerySchema,
        response: { 200: QoeServiceSummariesSchema, ...problems },
      },
    },
    async (request) => qoeDashboard.serviceSummaries(actorOf(request), request.query.serviceIds),
  );
}
