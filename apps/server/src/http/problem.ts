import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  UNSAFE_TEXT_MESSAGE,
  unsafeTextPaths,
  type ErrorCode,
  type FieldError,
  type Problem,
} from '@trunkline/contracts';
import { AppError } from '../platform/errors.ts';

const problemType = (code: string) => `urn:trunkline:problem:${code}`;

const problemOf = (error: AppError): Problem => ({
  type: problemType(error.code),
  title: error.title,
  status: error.status,
  detail: error.message,
  code: error.code,
  ...(error.errors ? { errors: error.errors } : {}),
});

export function sendProblem(reply: FastifyReply, error: AppError) {
  const body = problemOf(error);
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
        : status === 414
          ? 'uri_too_long'
          : status === 431
            ? 'headers_too_large'
            : status === 408
              ? 'request_timeout'
              : status === 415
                ? 'unsupported_media_type'
                : status === 429
                  ? 'rate_limited'
                  : 'bad_request';

/**
 * Fastify's `frameworkErrors`: what the router answers itself (a path with broken percent-encoding, a path
 * segment longer than `maxParamLength`) goes through the same problem+json mapping as everything else.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const status = typeof error.statusCode === 'number' ? error.statusCode : 400;
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A segment of the path is too long.'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'The path is not valid (broken percent-encoding).'
        : 'The request is not valid.';
  return sendProblem(reply, new AppError(codeForStatus(status), detail));
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before Fastify sees them (headers too
 * large, garbage, a timeout) are answered as problem+json too, on the raw socket.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive.']
        : [400, 'The request is not valid HTTP.'];
  const body = JSON.stringify(problemOf(new AppError(codeForStatus(status), detail)));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}

/**
 * Maps every error to RFC 9457 problem+json. Bad input never becomes a 500: text the database cannot store
 * (NUL, unpaired surrogates; the rule lives in `packages/contracts`) is refused with 422 naming the field
 * wherever it is, in the body, the query string or the path, before any route schema or query runs.
 */
export function installProblemHandlers(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const errors: FieldError[] = (['params', 'query', 'body'] as const).flatMap((part) =>
      unsafeTextPaths(request[part]).map((path) => ({
        path: path || part,
        code: 'invalid_text',
        message: UNSAFE_TEXT_MESSAGE,
      })),
    );
    if (errors.length)
      throw new AppError('validation_failed', `The request has ${errors.length} invalid field(s).`, {
        errors,
      });
  });
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
