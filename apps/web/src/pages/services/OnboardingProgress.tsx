import { Group, Progress, Text } from '@mantine/core';

/** How far onboarding has come, 0–100, as a bar with the number beside it. */
export function OnboardingProgress({ value, width = 100 }: { value: number; width?: number }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Progress
        value={value}
        w={width}
        aria-label="Onboarding progress"
        color={value >= 100 ? 'green' : undefined}
      />
      <Text size="xs" c="dimmed">
        {value}%
      </Text>
    </Group>
  );
}
