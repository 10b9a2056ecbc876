import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorCode, FieldError, Problem } from '@trunkline/contracts';
import { AppError } from '../platform/errors.ts';

const problemType = (code: string) => `urn:trunkline:problem:${code}`;

export function sendProblem(reply: FastifyReply, error: AppError) {
  const body: Problem = {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
  if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.status(error.status).type('application/problem+json').send(body);
}

const codeForStatus = (status: number): ErrorCode =>
  status === 404
    ? 'not_found'
    : status === 403
      ? 'forbidden'
      : status === 413
        ? 'payload_too_large'
        : status === 415
          ? 'unsupported_media_type'
          : status === 429
            ? 'rate_limited'
            : 'bad_request';

/** Maps every error to RFC 9457 problem+json. Bad input never becomes a 500. */
export function installProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) return sendProblem(reply, error);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = (error as { validationContext?: string }).validationContext ?? 'body';
      const errors: FieldError[] = error.validation.map((v) => ({
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || where,
        code: v.keyword,
        message: v.message ?? 'Invalid value.',
      }));
      return sendProblem(
        reply,
        new AppError('validation_failed', `The ${where} has ${errors.length} invalid field(s).`, { errors }),
      );
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500)
      return sendProblem(reply, new AppError(codeForStatus(status), error.message));
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      new AppError('internal', 'Something went wrong on the server. It has been logged.'),
    );
  });
}
