import { Group, Progress, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { usage } from '../../api/services.ts';

export function useCustomerUsage(customerId: string) {
  return useQuery({ queryKey: usage.key(customerId), queryFn: () => usage.get(customerId) });
}

/** "N of 500 licensed users used", with a bar. */
export function LicenceUsage({ customerId }: { customerId: string }) {
  const query = useCustomerUsage(customerId);
  if (!query.data) {
    return (
      <Text size="sm" c="dimmed">
        {query.isError ? 'Licensed users could not be loaded.' : 'Loading licensed users…'}
      </Text>
    );
  }
  const { used, limit, remaining } = query.data.licensedUsers;
  return (
    <Stack gap={4} maw={360}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          {used} of {limit} licensed users used
        </Text>
        <Text size="sm" c="dimmed">
          {remaining} remaining
        </Text>
      </Group>
      <Progress
        value={limit > 0 ? (used / limit) * 100 : 0}
        color={remaining === 0 ? 'red' : undefined}
        aria-label="Licensed users used"
      />
    </Stack>
  );
}
