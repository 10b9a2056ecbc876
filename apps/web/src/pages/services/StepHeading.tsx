import { Group, Text, Title } from '@mantine/core';

/** The heading of one onboarding step's panel on the service page: its title (labelling the panel) and "Step N of 10". */
export function StepHeading({ id, title, step }: { id: string; title: string; step: number }) {
  return (
    <Group justify="space-between">
      <Title order={4} id={id}>
        {title}
      </Title>
      <Text size="xs" c="dimmed">
        Step {step} of 10
      </Text>
    </Group>
  );
}
