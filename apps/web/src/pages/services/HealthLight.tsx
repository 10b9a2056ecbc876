import { Badge, Tooltip } from '@mantine/core';
import type { HealthLight as Light, ServiceHealthSummary } from '@trunkline/contracts';
import { formatDateTime } from '../../ui/format.ts';

export const lightColor: Record<Light, string> = {
  green: 'green',
  amber: 'yellow',
  red: 'red',
  grey: 'gray',
};
export const lightLabel: Record<Light, string> = {
  green: 'Healthy',
  amber: 'Warning',
  red: 'Problem',
  grey: 'Not applicable',
};

/** One traffic light as a badge: its colour and word (never colour alone). */
export function HealthLightBadge({ light, label }: { light: Light; label?: string }) {
  return (
    <Badge
      color={lightColor[light]}
      variant="light"
      aria-label={label ? `${label}: ${lightLabel[light]}` : undefined}
    >
      {label ?? lightLabel[light]}
    </Badge>
  );
}

/** The overall light of a service's latest health check (Services list, Onboarding view); "Not checked" before one. */
export function HealthSummary({ health }: { health: ServiceHealthSummary | null | undefined }) {
  if (!health)
    return (
      <Badge color="gray" variant="outline" aria-label="Health: not checked yet">
        Not checked
      </Badge>
    );
  return (
    <Tooltip label={`Checked ${formatDateTime(health.checkedAt)}`} withinPortal>
      <Badge
        color={lightColor[health.overall]}
        variant="light"
        aria-label={`Health: ${lightLabel[health.overall]}`}
      >
        {lightLabel[health.overall]}
      </Badge>
    </Tooltip>
  );
}
