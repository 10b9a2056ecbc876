import { createHmac, hkdfSync } from 'node:crypto';
import { hashToken } from '../platform/crypto.ts';

/**
 * Invitation links carry a 256-bit token that is never stored. It is derived from a key (itself derived
 * from the master key), the invitation id and a generation that a resend increments; the database holds
 * only its SHA-256, to find the invitation when the link is opened.
 */
export type InvitationTokens = {
  tokenFor(invitationId: string, generation: number): string;
  hashOf(token: string): string;
  linkFor(invitationId: string, generation: number): string;
};

export function createInvitationTokens(masterKey: Buffer, publicUrl: string): InvitationTokens {
  const key = Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), 'trunkline/invitation-token/v1', 32),
  );
  const tokenFor = (id: string, generation: number) =>
    createHmac('sha256', key).update(`${id}:${generation}`).digest('base64url');
  return {
    tokenFor,
    hashOf: hashToken,
    linkFor: (id, generation) => `${publicUrl}/invite/${tokenFor(id, generation)}`,
  };
}
