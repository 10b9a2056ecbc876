import { z } from 'zod';

/** One per-field error inside a problem document. `path` is the dotted field path, e.g. `adminAuth.email`. */
export const FieldErrorSchema = z.object({
  path: z.string(),
  code: z.string(),
  message: z.string(),
});
export type FieldError = z.infer<typeof FieldErrorSchema>;

/** RFC 9457 problem details, as every error response of the API carries them. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(FieldErrorSchema).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** Stable machine-readable error codes. Clients switch on these, never on messages. */
export const ErrorCodes = [
  'validation_failed',
  'bad_request',
  'unauthenticated',
  'forbidden',
  'csrf_rejected',
  'not_found',
  'conflict',
  'limit_exceeded',
  'rate_limited',
  'unsupported_media_type',
  'payload_too_large',
  'uri_too_long',
  'headers_too_large',
  'request_timeout',
  'upstream_failed',
  /** The server is starting (database, migrations, job queues): answered before it is ready; try again shortly. */
  'starting',
  'internal',
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];
