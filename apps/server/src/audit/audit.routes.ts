import { AuditListQuerySchema, AuditPageSchema } from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { AuditService } from './audit.service.ts';

/** Read-only: the audit trail has no write routes. */
export function registerAuditRoutes(app: App, { audit }: { audit: AuditService }) {
  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail in scope',
        querystring: AuditListQuerySchema,
        response: { 200: AuditPageSchema, ...problems },
      },
    },
    async (request) => audit.list(actorOf(request), request.query),
  );
}
