import type { Role } from '@trunkline/contracts';

/** Who is acting. Services take one Actor; repositories take the Scope derived from it. */
export type Actor = {
  userId: string | null;
  email: string;
  name: string;
  role: Role;
  channelId: string | null;
  customerId: string | null;
  via: 'session' | 'api-token' | 'system';
  ip: string | null;
};

/** What an actor may see: everything, one channel's customers, or one customer. */
export type Scope =
  { kind: 'provider' } | { kind: 'channel'; channelId: string } | { kind: 'customer'; customerId: string };

export function scopeOf(actor: Pick<Actor, 'role' | 'channelId' | 'customerId'>): Scope {
  switch (actor.role) {
    case 'provider_admin':
      return { kind: 'provider' };
    case 'channel_admin':
      if (!actor.channelId) throw new Error('channel admin without channel');
      return { kind: 'channel', channelId: actor.channelId };
    case 'customer_admin':
      if (!actor.customerId) throw new Error('customer admin without customer');
      return { kind: 'customer', customerId: actor.customerId };
  }
}

/** The actor for work the system does on its own (bootstrap, scheduled jobs). */
export const systemActor = (name: string): Actor => ({
  userId: null,
  email: `system:${name}`,
  name,
  role: 'provider_admin',
  channelId: null,
  customerId: null,
  via: 'system',
  ip: null,
});
