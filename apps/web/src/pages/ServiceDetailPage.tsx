import { useState } from 'react';
import { Alert, Anchor, Button, Group, Paper, SimpleGrid, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { errorMessage } from '../api/client.ts';
import { services } from '../api/services.ts';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { may as mayDo } from '../auth/permissions.ts';
import { ConfirmModal } from '../ui/ConfirmModal.tsx';
import { Field } from '../ui/Field.tsx';
import { formatDateTime } from '../ui/format.ts';
import { ConnectionPanel } from './services/ConnectionPanel.tsx';
import { connectionMethodLabels } from './services/connectionLabels.ts';
import { blockedReason, LifecycleBadge, LifecycleProgress, may, NextAction } from './services/lifecycle.tsx';
import { M365SettingsPanel } from './services/M365SettingsPanel.tsx';
import { RoutingPanel } from './services/RoutingPanel.tsx';
import { SbcPanel } from './services/SbcPanel.tsx';
import { HealthPanel } from './services/HealthPanel.tsx';
import { NumberRangesPanel } from './services/NumberRangesPanel.tsx';
import { ServiceEditModal } from './services/ServiceEditModal.tsx';
import { useServiceLive } from './services/live.ts';
import { QoeServiceSummary } from './qoe/QoeServiceSummary.tsx';

export function ServiceDetailPage() {
  const id = useParams().id ?? '';
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<'edit' | 'delete' | null>(null);
  const me = useCurrentUser();
  const query = useQuery(services.itemQuery(id));
  // One server-sent event stream for the whole page: the service, its connection, role, invitation, step 9 and
  // runs follow every change, whoever made it (a worker, the tenant's admin, another operator).
  useServiceLive(id);
  const connection = useQuery({
    queryKey: services.connectionKey(id),
    queryFn: () => services.connection(id),
  }).data;
  const service = query.data;

  if (!service) {
    return (
      <Stack>
        <Anchor component={Link} to="/services" size="sm">
          ← Services
        </Anchor>
        {query.isError ? (
          <Alert color="red" role="alert">
            {errorMessage(query.error)}
          </Alert>
        ) : (
          <Text c="dimmed">Loading…</Text>
        )}
      </Stack>
    );
  }

  const onboarding = `/onboarding/${encodeURIComponent(service.customerId)}`;
  const { lifecycle } = service;
  const { facets } = lifecycle;
  const operator = mayDo(me, 'services.edit');
  const deleteBlocked = blockedReason(lifecycle, 'delete');
  // Never hide what exists: step 9 once connected or saved, step 10 once connected or once a run exists.
  const connected = facets.connection.state === 'connected';
  const showSettings = lifecycle.state !== 'removed' && (connected || facets.m365Settings === 'set');
  const showRouting = connected || facets.routing !== null || facets.objectsCreated;
  const adminAuth =
    connected && connection?.method
      ? `Connected — ${connectionMethodLabels[connection.method]}${connection.adminUsername ? ` (${connection.adminUsername})` : ''}`
      : facets.invitation.state !== 'none'
        ? `Invitation link sent${facets.invitation.email ? ` to ${facets.invitation.email}` : ''}`
        : facets.connection.state === 'failed'
          ? 'Not connected — Microsoft did not issue a token'
          : 'Not connected yet';

  return (
    <Stack>
      <Anchor component={Link} to="/services" size="sm">
        ← Services
      </Anchor>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2}>{service.fullName}</Title>
          <LifecycleBadge lifecycle={lifecycle} />
        </Group>
        <Group>
          {operator && may(lifecycle, 'edit') && (
            <Button variant="default" onClick={() => setDialog('edit')}>
              Edit
            </Button>
          )}
          {operator && may(lifecycle, 'delete') && (
            <Button color="red" variant="light" onClick={() => setDialog('delete')}>
              Delete
            </Button>
          )}
          {operator && !may(lifecycle, 'delete') && deleteBlocked && lifecycle.state !== 'removed' && (
            <Tooltip label={deleteBlocked} withinPortal>
              <Button color="red" variant="light" disabled aria-label={`Delete: ${deleteBlocked}`}>
                Delete
              </Button>
            </Tooltip>
          )}
        </Group>
      </Group>
      <NextAction lifecycle={lifecycle} />
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="lg">
          <Field label="Full name">{service.fullName}</Field>
          <Field label="Short name">{service.shortName}</Field>
          <Field label="Customer">
            <Anchor component={Link} to={onboarding} size="sm">
              {service.customerName}
            </Anchor>
          </Field>
          <Field label="Type">Direct Routing</Field>
          <Field label="Licence type">{service.licenseTypeName}</Field>
          <Field label="Licensed users">{service.licensedUsers}</Field>
          <Field label="Trunk FQDN">{service.trunkFqdn}</Field>
          <Field label="Subdomain">{service.subdomain}</Field>
          <Field label="Admin authentication">{adminAuth}</Field>
          <Field label={lifecycle.phase === 'offboarding' ? 'Removal progress' : 'Onboarding progress'}>
            <LifecycleProgress lifecycle={lifecycle} width={160} />
          </Field>
          <Field label="Created">{formatDateTime(service.createdAt)}</Field>
          <Field label="Updated">{formatDateTime(service.updatedAt)}</Field>
        </SimpleGrid>
      </Paper>
      <ConnectionPanel service={service} />
      {showSettings && <M365SettingsPanel serviceId={service.id} />}
      {showSettings && <QoeServiceSummary serviceId={service.id} />}
      {showRouting && <RoutingPanel service={service} />}
      {lifecycle.state !== 'removed' && <NumberRangesPanel serviceId={service.id} />}
      {showRouting && lifecycle.state !== 'removed' && <SbcPanel service={service} />}
      {(facets.routing !== null || service.health) && <HealthPanel service={service} />}
      {facets.invitation.state !== 'none' && (
        <Anchor component={Link} to={`/invitations?q=${encodeURIComponent(service.fullName)}`} size="sm">
          See the invitation
        </Anchor>
      )}
      {dialog === 'edit' && <ServiceEditModal service={service} onClose={() => setDialog(null)} />}
      {dialog === 'delete' && (
        <ConfirmModal
          title="Delete service"
          confirmLabel="Delete service"
          action={async () => {
            await services.remove(service.id);
            await navigate(onboarding, { replace: true });
          }}
          invalidate={[services.key]}
          successMessage={() => `Service ${service.fullName} deleted.`}
          onClose={() => setDialog(null)}
        >
          Delete the service {service.fullName} ({service.shortName}) of {service.customerName}? Its pending
          invitation stops working and its {service.licensedUsers} licensed users become free again.
        </ConfirmModal>
      )}
    </Stack>
  );
}
