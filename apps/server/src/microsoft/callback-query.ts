import { z } from 'zod';

/**
 * The query of Microsoft's redirect after an authorization-code sign-in (RFC 6749 §4.1.2 and §4.1.2.1, plus
 * Entra's `session_state`): either a code or an error, with the `state` Trunkline handed out.
 */
export const AuthorizationCodeCallbackQuery = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(4000).optional(),
  session_state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(4000).optional(),
});
