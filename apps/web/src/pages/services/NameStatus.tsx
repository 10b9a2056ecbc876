import { Group, Loader, Text } from '@mantine/core';
import { IconCheck } from '@tabler/icons-react';
import type { NameCheck } from './useNameAvailability.ts';

/** "Checking…" / "Available" under a name field; a taken name shows as the field's error instead. */
export function NameStatus({ check, id }: { check: NameCheck; id?: string }) {
  return (
    <Text id={id} size="xs" component="div" aria-live="polite" mih={18}>
      {check.state === 'checking' && (
        <Group gap={4} c="dimmed">
          <Loader size={10} /> Checking availability…
        </Group>
      )}
      {check.state === 'available' && (
        <Group gap={4} c="green">
          <IconCheck size={14} aria-hidden /> Available
        </Group>
      )}
      {check.state === 'unknown' && (
        <Text span size="xs" c="dimmed">
          Availability could not be checked; it is checked again on save.
        </Text>
      )}
    </Text>
  );
}
