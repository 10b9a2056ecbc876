import { Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { User } from '@trunkline/contracts';
import { channels } from '../../api/channels.ts';
import { customers } from '../../api/customers.ts';

const lookup = { staleTime: 5 * 60_000, retry: false } as const;

/** "Provider", or the name of the user's channel or customer (looked up by id, cached across rows). */
export function UserScope({ user }: { user: User }) {
  const channel = useQuery({
    ...channels.itemQuery(user.channelId ?? ''),
    enabled: user.role === 'channel_admin' && user.channelId !== null,
    ...lookup,
  });
  const customer = useQuery({
    ...customers.itemQuery(user.customerId ?? ''),
    enabled: user.role === 'customer_admin' && user.customerId !== null,
    ...lookup,
  });

  if (user.role === 'provider_admin') return <>Provider</>;
  const lookedUp = user.role === 'channel_admin' ? channel : customer;
  const name = lookedUp.data?.name ?? (lookedUp.isError ? 'unknown' : '…');
  const kind = user.role === 'channel_admin' ? 'Channel' : 'Customer';
  return (
    <>
      <Text span size="sm" c="dimmed">
        {kind}:{' '}
      </Text>
      {name}
    </>
  );
}
