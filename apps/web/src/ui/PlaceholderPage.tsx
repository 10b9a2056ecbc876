import type { ReactNode } from 'react';
import { Stack, Text, Title } from '@mantine/core';

export function PlaceholderPage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack>
      <Title order={2}>{title}</Title>
      <Text c="dimmed">{children}</Text>
    </Stack>
  );
}
