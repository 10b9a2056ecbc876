import { Alert, Badge, Button, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { notifications } from '@mantine/notifications';
import { connectionStateMeta, teamsRoleStateMeta, type ConnectionAttempt } from '@trunkline/contracts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { may as mayDo } from '../../auth/permissions.ts';
import { connectionMethodLabels } from './connectionLabels.ts';
import { may, type Lifecycle } from './lifecycle.tsx';
import { ReauthenticateModal } from './ReauthenticateModal.tsx';
import { services } from '../../api/services.ts';
import { formatDateTime } from '../../ui/format.ts';
import { MicrosoftText } from '../../ui/MicrosoftText.tsx';
import { notifyError } from '../../ui/notify.ts';
import { TeamsRoleMessage } from './TeamsRoleSteps.tsx';

/** "12 days left", "3 hours left", "expired": how long a token or secret still works. */
const timeLeft = (iso: string) => {
  const ms = new Date(iso).getTime() - Date.now();
  if (ms <= 0) return 'expired';
  const days = Math.floor(ms / 86_400_000);
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'} left`;
  const hours = Math.max(1, Math.round(ms / 3_600_000));
  return `${hours} hour${hours === 1 ? '' : 's'} left`;
};

/** The service's secure connection to Microsoft 365: how, to which tenant, what was granted, and the last error. */
/** A consent Microsoft has not confirmed yet (its new app replicating): a state of the connection, not of the lifecycle. */
const CONFIRMING = { label: 'Confirming access', color: 'blue' } as const;

export function ConnectionPanel({
  service,
}: {
  service: { id: string; fullName: string; adminUsername: string | null; lifecycle: Lifecycle };
}) {
  const serviceId = service.id;
  const { lifecycle } = service;
  const me = useCurrentUser();
  // Re-authenticate and re-check: the permission table's services.edit.
  const operator = mayDo(me, 'services.edit');
  const queryClient = useQueryClient();
  // Live through the page's event stream (useServiceLive): no polling here.
  const query = useQuery({
    queryKey: services.connectionKey(serviceId),
    queryFn: () => services.connection(serviceId),
  });
  const recheck = useMutation({
    mutationFn: () => services.checkTeamsRole(serviceId),
    onSuccess: (status) => {
      queryClient.setQueryData(services.connectionKey(serviceId), status);
      void queryClient.invalidateQueries({ queryKey: services.key });
      const { state } = status.teamsRole;
      notifications.show(
        state === 'assigned'
          ? { color: 'green', message: 'Checked: the automation holds the Teams Administrator role.' }
          : state === 'missing'
            ? {
                color: 'orange',
                title: 'Checked: the role is still missing',
                message: 'Follow the steps on the page, then check again.',
              }
            : { color: 'blue', message: 'Checking the role with Microsoft…' },
      );
    },
    onError: notifyError,
  });
  const [reauth, setReauth] = useState(false);
  const [outcome, setOutcome] = useState<ConnectionAttempt | { state: 'invited'; message: string } | null>(
    null,
  );
  const c = query.data;
  if (!c) return null;
  // The connection's own facet, coloured as everywhere else; an open invitation is what "not connected" waits for.
  const badge =
    c.state === 'confirming'
      ? CONFIRMING
      : c.state !== 'connected' && lifecycle.facets.invitation.state !== 'none'
        ? connectionStateMeta['pending-invitation']
        : connectionStateMeta[c.state];
  const role = teamsRoleStateMeta[c.teamsRole.state];
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>Microsoft 365 connection</Title>
          <Group gap="sm">
            <Badge color={badge.color} variant="light" aria-label="Connection state">
              {badge.label}
            </Badge>
            {operator && may(lifecycle, 'reauthenticate') && (
              <Button size="xs" variant="default" onClick={() => setReauth(true)}>
                Re-initiate authentication flow
              </Button>
            )}
          </Group>
        </Group>
        {/* A failed attempt is the connection's last error below: said once, there. */}
        {outcome && !(outcome.state === 'failed' && c.lastError) && (
          <Alert
            color={outcome.state === 'failed' ? 'orange' : 'green'}
            role="status"
            withCloseButton
            onClose={() => setOutcome(null)}
          >
            <MicrosoftText text={outcome.message} />
          </Alert>
        )}
        {c.state === 'confirming' && c.confirmation && (
          <Alert color="blue" title="Confirming access" role="status">
            The tenant&apos;s administrator consented. Microsoft is still setting up access for the new app
            (this takes seconds to minutes); Trunkline keeps confirming it by itself until{' '}
            {formatDateTime(c.confirmation.deadline)} ({c.confirmation.attempts}{' '}
            {c.confirmation.attempts === 1 ? 'try' : 'tries'} so far).
            {c.confirmation.lastError && (
              <Text size="xs" c="dimmed" mt={4}>
                Microsoft&apos;s last answer: {c.confirmation.lastError}
              </Text>
            )}
          </Alert>
        )}
        {c.state === 'not-connected' && (
          <Text size="sm" c="dimmed">
            No connection yet: it is made when the tenant&apos;s administrator follows the invitation link, or
            from the admin credentials given with the service.
          </Text>
        )}
        {c.lastError && (
          <Alert color={c.state === 'connected' ? 'orange' : 'red'} title="Last error" role="status">
            <MicrosoftText text={c.lastError} />
            {c.lastErrorAt && (
              <Text size="xs" c="dimmed" mt={4}>
                {formatDateTime(c.lastErrorAt)}
              </Text>
            )}
          </Alert>
        )}
        {c.state !== 'not-connected' && (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <Text size="sm">Method: {c.method ? connectionMethodLabels[c.method] : '—'}</Text>
            <Text size="sm">Tenant ID: {c.tenantId ?? '—'}</Text>
            <Text size="sm">Signed-in admin: {c.adminUsername ?? '—'}</Text>
            <Text size="sm">
              Token expires:{' '}
              {c.tokenExpiresAt ? `${formatDateTime(c.tokenExpiresAt)} (${timeLeft(c.tokenExpiresAt)})` : '—'}
            </Text>
            <Text size="sm">
              Last successful use: {c.lastSuccessAt ? formatDateTime(c.lastSuccessAt) : '—'}
            </Text>
            <Text size="sm">
              Granted permissions: {c.grantedPermissions.length ? c.grantedPermissions.join(', ') : '—'}
            </Text>
          </SimpleGrid>
        )}
        {c.state === 'connected' && (
          <Stack gap={4} aria-label="Teams Administrator role">
            <Group gap="sm">
              <Text size="sm" fw={600}>
                Teams Administrator role for the automation:
              </Text>
              <Badge color={role.color} variant="light">
                {role.label}
              </Badge>
              {operator && may(lifecycle, 'recheck-role') && (
                <Button
                  size="xs"
                  variant="default"
                  loading={recheck.isPending}
                  onClick={() => recheck.mutate()}
                >
                  Re-check role
                </Button>
              )}
            </Group>
            {c.teamsRole.message && (
              <TeamsRoleMessage message={c.teamsRole.message} missing={c.teamsRole.state === 'missing'} />
            )}
            {c.teamsRole.checkedAt && (
              <Text size="xs" c="dimmed">
                Last checked {formatDateTime(c.teamsRole.checkedAt)}
              </Text>
            )}
          </Stack>
        )}
      </Stack>
      {reauth && (
        <ReauthenticateModal
          service={service}
          onClose={() => setReauth(false)}
          onDone={(result) => {
            setReauth(false);
            // The outcome shows on the panel (or, for a failure, as its last error).
            setOutcome(
              result.connection ??
                (result.invitation
                  ? { state: 'invited', message: `Invitation sent to ${result.invitation.email}.` }
                  : null),
            );
          }}
        />
      )}
    </Paper>
  );
}
