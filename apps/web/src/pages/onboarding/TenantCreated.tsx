import { Alert, Anchor, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconCheck, IconMailForward } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import type { ServiceCreated } from '@trunkline/contracts';
import { formatDateTime } from '../../ui/format.ts';
import { MicrosoftText } from '../../ui/MicrosoftText.tsx';
import { LifecycleBadge } from '../services/lifecycle.tsx';

/** What follows a successful submit: the invitation went out, or what the one-time token request gave. */
export function TenantCreated({ service }: { service: ServiceCreated }) {
  const onboarding = `/onboarding/${encodeURIComponent(service.customerId)}`;
  const servicePage = `/services/${encodeURIComponent(service.id)}`;

  if (service.invitation) {
    return (
      <Stack>
        <Alert
          color="green"
          icon={<IconMailForward />}
          title="Invitation sent — you can close this window"
          role="status"
        >
          <Text size="sm">
            {service.invitation.email} receives a link to connect the Microsoft 365 tenant for{' '}
            {service.fullName}. The link expires on {formatDateTime(service.invitation.expiresAt)}. Follow it
            on the Invitations page.
          </Text>
        </Alert>
        <Group>
          <Anchor component={Link} to={onboarding}>
            Back to onboarding of {service.customerName}
          </Anchor>
          <Anchor component={Link} to={servicePage}>
            Open the service
          </Anchor>
        </Group>
      </Stack>
    );
  }

  return (
    <Paper withBorder p="md">
      <Stack>
        <Group gap="xs">
          <IconCheck color="var(--mantine-color-green-6)" aria-hidden />
          <Title order={3}>Service {service.fullName} created</Title>
        </Group>
        <Group gap="xs">
          <Text size="sm">Status:</Text>
          <LifecycleBadge lifecycle={service.lifecycle} />
        </Group>
        <Text size="sm">Trunk: {service.trunkFqdn}</Text>
        {service.connection && (
          <Alert
            color={service.connection.state === 'connected' ? 'green' : 'orange'}
            title={
              service.connection.state === 'connected'
                ? 'Secure connection to Microsoft 365 established'
                : 'Microsoft 365 did not accept the sign-in'
            }
            role="status"
          >
            <MicrosoftText text={service.connection.message} />
            <Text size="xs" c="dimmed" mt={4}>
              The password was used once for this request and has not been kept.
            </Text>
          </Alert>
        )}
        <Group>
          <Anchor component={Link} to={servicePage}>
            Open the service
          </Anchor>
          <Anchor component={Link} to={onboarding}>
            Back to onboarding of {service.customerName}
          </Anchor>
        </Group>
      </Stack>
    </Paper>
  );
}
