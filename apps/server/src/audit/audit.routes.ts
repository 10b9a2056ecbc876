import { Readable } from 'node:stream';
import { z } from 'zod';
import { AuditExportQuerySchema, AuditListQuerySchema, AuditPageSchema } from '@trunkline/contracts';
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
        summary: 'The audit trail in scope, each event with names and a sentence',
        querystring: AuditListQuerySchema,
        response: { 200: AuditPageSchema, ...problems },
      },
    },
    async (request) => audit.list(actorOf(request), request.query),
  );
  app.get(
    '/api/v1/audit/export.csv',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail in scope as CSV (same filters as the list, newest first, no paging)',
        querystring: AuditExportQuerySchema,
        produces: ['text/csv'],
        response: { 200: z.string().describe('CSV (RFC 4180), one event per line'), ...problems },
      },
    },
    async (request, reply) => {
      const rows = audit.exportCsv(actorOf(request), request.query);
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="trunkline-audit-${stamp}.csv"`)
        .send(Readable.from(rows) as unknown as string); // a stream: Fastify sends it as it is
    },
  );
}
