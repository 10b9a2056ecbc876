import { Badge } from '@mantine/core';
import { serviceStatusLabels } from '@trunkline/contracts';
import type { ServiceStatus } from '@trunkline/contracts';

const colors: Record<ServiceStatus, string> = {
  draft: 'gray',
  'pending-invitation': 'yellow',
  'awaiting-token': 'yellow',
  connected: 'blue',
  configuring: 'blue',
  active: 'green',
  failed: 'red',
  offboarding: 'gray',
  removed: 'dark',
};

export function ServiceStatusBadge({ status }: { status: ServiceStatus }) {
  return (
    <Badge color={colors[status]} variant="light">
      {serviceStatusLabels[status]}
    </Badge>
  );
}
