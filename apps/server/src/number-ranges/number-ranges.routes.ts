import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  IdParamsSchema,
  NUMBER_RANGES_CSV_MAX_BYTES,
  NumberRangeListSchema,
  NumberRangesChangedSchema,
  NumberRangesCsvSchema,
  NumberRangesUpdateSchema,
  ProblemSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { NumberRangesService } from './number-ranges.service.ts';

export function registerNumberRangeRoutes(app: App, { numberRanges }: { numberRanges: NumberRangesService }) {
  const tags = ['number ranges'];
  app.get(
    '/api/v1/services/:id/number-ranges',
    {
      schema: {
        tags,
        summary: "The service's number ranges, in order",
        params: IdParamsSchema,
        response: { 200: NumberRangeListSchema, ...problems },
      },
    },
    async (request) => numberRanges.list(actorOf(request), request.params.id),
  );
  app.put(
    '/api/v1/services/:id/number-ranges',
    {
      schema: {
        tags,
        summary: "Replace the service's number ranges",
        description:
          "Each range is an E.164 number (+4930123456), a prefix (+4930123*) or a range (+4930123[1000-1999]). A range overlapping another item is refused with 422 naming both; one overlapping another service's is refused with 409 naming that customer and service. A change that adds or removes ranges re-runs the SBC step where one is configured.",
        params: IdParamsSchema,
        body: NumberRangesUpdateSchema,
        response: { 200: NumberRangesChangedSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => numberRanges.replace(actorOf(request), request.params.id, request.body),
  );
  // The import reads CSV text: its parser is registered for this route only, the rest of the API stays JSON.
  app.register(async (scope) => {
    const csv = scope.withTypeProvider<ZodTypeProvider>();
    csv.addContentTypeParser(
      'text/csv',
      { parseAs: 'string', bodyLimit: NUMBER_RANGES_CSV_MAX_BYTES },
      (_request, body, done) => done(null, body),
    );
    csv.post(
      '/api/v1/services/:id/number-ranges/import',
      {
        bodyLimit: NUMBER_RANGES_CSV_MAX_BYTES,
        schema: {
          tags,
          summary: 'Add number ranges from CSV',
          description: `One range per line, optionally a description in a second column (, or ; separated), an optional header line; at most ${NUMBER_RANGES_CSV_MAX_BYTES / 1024} KiB. Sent as text/csv, or as one JSON string. The ranges are added after the stored ones; every bad line is reported (errors at lines.N) and nothing is written unless all are good.`,
          consumes: ['text/csv', 'application/json'],
          params: IdParamsSchema,
          body: NumberRangesCsvSchema,
          response: { 200: NumberRangesChangedSchema, 409: ProblemSchema, 413: ProblemSchema, ...problems },
        },
      },
      async (request) => numberRanges.importCsv(actorOf(request), request.params.id, request.body),
    );
  });
}
