import type { Actor } from '../access/actor.ts';
import type { AuthRepository } from './auth.repository.ts';
import { hashToken } from '../platform/crypto.ts';
import type { UserCredentials, UsersRepository } from '../users/users.repository.ts';

/** The actor of a signed-in user (by session or API token), as audit records and `me` see them. */
export const actorOfUser = (user: UserCredentials, via: Actor['via'], ip: string | null): Actor => ({
  userId: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  channelId: user.channelId,
  customerId: user.customerId,
  via,
  ip,
});

/**
 * Stores a new session of `user` (only the token's hash) and notes the sign-in, inside the caller's transaction:
 * the one way every sign-in (password, two-factor, Microsoft) opens a session.
 */
export async function storeSession(
  r: { auth: AuthRepository; users: UsersRepository },
  session: { token: string; userId: string; expiresAt: Date; ip: string; userAgent: string | null },
): Promise<void> {
  const { token, userId, expiresAt, ip, userAgent } = session;
  await r.auth.createSession({ id: hashToken(token), userId, expiresAt, ip, userAgent });
  await r.users.markLogin(userId);
}
