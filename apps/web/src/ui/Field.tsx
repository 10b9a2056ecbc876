import type { ReactNode } from 'react';
import { Text } from '@mantine/core';

/** A labelled value in a summary grid: the label small and in capitals above it. */
export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}
