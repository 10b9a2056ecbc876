import type { ErrorCode, FieldError } from '@trunkline/contracts';
import { uniqueViolation } from './db/queries.ts';

const statusOf: Record<ErrorCode, number> = {
  validation_failed: 422,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf_rejected: 403,
  not_found: 404,
  conflict: 409,
  limit_exceeded: 409,
  rate_limited: 429,
  unsupported_media_type: 415,
  payload_too_large: 413,
  uri_too_long: 414,
  headers_too_large: 431,
  request_timeout: 408,
  upstream_failed: 502,
  starting: 503,
  internal: 500,
};

const titleOf: Record<ErrorCode, string> = {
  validation_failed: 'Invalid input',
  bad_request: 'Bad request',
  unauthenticated: 'Not signed in',
  forbidden: 'Not allowed',
  csrf_rejected: 'Cross-site request rejected',
  not_found: 'Not found',
  conflict: 'Conflict',
  limit_exceeded: 'Limit exceeded',
  rate_limited: 'Too many attempts',
  unsupported_media_type: 'Unsupported media type',
  payload_too_large: 'Payload too large',
  uri_too_long: 'URI too long',
  headers_too_large: 'Request headers too large',
  request_timeout: 'Request timeout',
  upstream_failed: 'An outside service failed',
  starting: 'Starting',
  internal: 'Internal error',
};

/** The one error type of the application. Its `code` is stable; HTTP maps it to RFC 9457 problem+json. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { errors?: FieldError[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = statusOf[code];
    this.title = titleOf[code];
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} was not found.`);
export const forbidden = (detail: string) => new AppError('forbidden', detail);
export const conflict = (path: string, message: string) =>
  new AppError('conflict', message, { errors: [{ path, code: 'taken', message }] });
export const invalid = (errors: FieldError[]) =>
  new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join(' '), { errors });

/** A unique name is taken: 409 naming the field. Repositories raise it; services do not decode SQLSTATEs. */
export const nameTaken = (field: string, message: string) => conflict(field, message);

/**
 * For a repository's write: a unique violation of one of the named constraints becomes `nameTaken` for its
 * field (`.catch(takenAs({ users_email_uq: ['email', 'A user with this e-mail exists already.'] }))`); any other
 * error passes through unchanged.
 */
export const takenAs =
  (byConstraint: Record<string, readonly [field: string, message: string]>) =>
  (error: unknown): never => {
    const constraint = uniqueViolation(error);
    const taken = constraint === null ? undefined : byConstraint[constraint];
    if (taken) throw nameTaken(taken[0], taken[1]);
    throw error;
  };
