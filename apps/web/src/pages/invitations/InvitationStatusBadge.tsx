import { Badge, Stack, Text, Tooltip } from '@mantine/core';
import { invitationStatusLabels } from '@trunkline/contracts';
import type { Invitation, InvitationStatus } from '@trunkline/contracts';

const colors: Record<InvitationStatus, string> = {
  queued: 'gray',
  sent: 'blue',
  'send-failed': 'red',
  opened: 'cyan',
  completed: 'green',
  expired: 'orange',
  revoked: 'gray',
};

/** The status, and for a failed delivery the mail server's reason underneath (and in full on hover). */
export function InvitationStatusBadge({ invitation }: { invitation: Invitation }) {
  const badge = (
    <Badge color={colors[invitation.status]} variant="light">
      {invitationStatusLabels[invitation.status]}
    </Badge>
  );
  if (invitation.status !== 'send-failed' || !invitation.lastError) return badge;
  return (
    <Stack gap={2} align="flex-start">
      <Tooltip label={invitation.lastError} multiline maw={360} withinPortal>
        {badge}
      </Tooltip>
      <Text size="xs" c="red" lineClamp={2} maw={220}>
        {invitation.lastError}
      </Text>
    </Stack>
  );
}
