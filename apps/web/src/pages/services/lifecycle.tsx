import { Alert, Badge, Group, Progress, Text } from '@mantine/core';
import type { LifecycleAction, Service } from '@trunkline/contracts';

/**
 * The web reads the service's lifecycle as the server derived it (`deriveLifecycle` in contracts): state, label,
 * colour, progress, next action and allowed actions. Nothing here computes a status of its own.
 */
export type Lifecycle = Service['lifecycle'];

export const may = (lifecycle: Lifecycle, action: LifecycleAction) =>
  lifecycle.allowedActions.includes(action);

/** Why a shown action is not allowed now, or null. */
export const blockedReason = (lifecycle: Lifecycle, action: LifecycleAction) =>
  lifecycle.blocked.find((b) => b.action === action)?.reason ?? null;

/** The service's state as one badge, the same label and colour everywhere. */
export function LifecycleBadge({ lifecycle }: { lifecycle: Lifecycle }) {
  return (
    <Badge color={lifecycle.color} variant="light" aria-label="Service state">
      {lifecycle.label}
    </Badge>
  );
}

/** How far onboarding (or, after Remove service, removal) has come, as a bar with the number beside it. */
export function LifecycleProgress({ lifecycle, width = 100 }: { lifecycle: Lifecycle; width?: number }) {
  const label = lifecycle.phase === 'offboarding' ? 'Removal progress' : 'Onboarding progress';
  return (
    <Group gap="xs" wrap="nowrap">
      <Progress value={lifecycle.progress} w={width} aria-label={label} color={lifecycle.color} />
      <Text size="xs" c="dimmed">
        {lifecycle.progress}%
      </Text>
    </Group>
  );
}

const byLabels: Record<Lifecycle['nextAction']['by'], string> = {
  operator: 'You',
  'tenant-admin': "The tenant's admin",
  trunkline: 'Trunkline',
  nobody: '',
};

/** The one next action of the service, and who takes it. */
export function NextAction({ lifecycle }: { lifecycle: Lifecycle }) {
  const next = lifecycle.nextAction;
  const by = byLabels[next.by];
  return (
    <section aria-label="Next action">
      <Alert color={lifecycle.color} variant="light" title={`Next: ${next.label}`} role="status">
        <Text size="sm">
          {by && (
            <Text span fw={600} size="sm">
              {by}:{' '}
            </Text>
          )}
          {next.detail}
        </Text>
      </Alert>
    </section>
  );
}
