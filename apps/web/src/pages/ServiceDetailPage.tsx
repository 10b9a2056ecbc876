import { useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Anchor, Button, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import {
  DELETABLE_SERVICE_STATUSES,
  EDITABLE_SERVICE_STATUSES,
  PRE_CONNECTION_STATUSES,
} from '@trunkline/contracts';
import { errorMessage } from '../api/client.ts';
import { services } from '../api/services.ts';
import { ConfirmModal } from '../ui/ConfirmModal.tsx';
import { formatDateTime } from '../ui/format.ts';
import { OnboardingProgress } from './services/OnboardingProgress.tsx';
import { ConnectionPanel } from './services/ConnectionPanel.tsx';
import { M365SettingsPanel } from './services/M365SettingsPanel.tsx';
import { RoutingPanel } from './services/RoutingPanel.tsx';
import { ServiceEditModal } from './services/ServiceEditModal.tsx';
import { ServiceStatusBadge } from './services/ServiceStatusBadge.tsx';

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

export function ServiceDetailPage() {
  const id = useParams().id ?? '';
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<'edit' | 'delete' | null>(null);
  const query = useQuery({ queryKey: services.itemKey(id), queryFn: () => services.get(id) });
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
  const editable = EDITABLE_SERVICE_STATUSES.includes(service.status);
  const deletable = DELETABLE_SERVICE_STATUSES.includes(service.status);

  return (
    <Stack>
      <Anchor component={Link} to="/services" size="sm">
        ← Services
      </Anchor>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2}>{service.fullName}</Title>
          <ServiceStatusBadge status={service.status} />
        </Group>
        <Group>
          {editable && (
            <Button variant="default" onClick={() => setDialog('edit')}>
              Edit
            </Button>
          )}
          {deletable && (
            <Button color="red" variant="light" onClick={() => setDialog('delete')}>
              Delete
            </Button>
          )}
        </Group>
      </Group>
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
          <Field label="Admin authentication">
            {service.adminAuthMethod === 'invite'
              ? 'Link sent to the IT administrator'
              : `Credentials${service.adminUsername ? ` of ${service.adminUsername}` : ''}`}
          </Field>
          <Field label="Onboarding progress">
            <OnboardingProgress value={service.progress} width={160} />
          </Field>
          <Field label="Created">{formatDateTime(service.createdAt)}</Field>
          <Field label="Updated">{formatDateTime(service.updatedAt)}</Field>
        </SimpleGrid>
      </Paper>
      <ConnectionPanel service={service} />
      {!PRE_CONNECTION_STATUSES.includes(service.status) && service.status !== 'removed' && (
        <M365SettingsPanel serviceId={service.id} />
      )}
      {(!PRE_CONNECTION_STATUSES.includes(service.status) || service.status === 'failed') && (
        <RoutingPanel service={service} />
      )}
      {service.adminAuthMethod === 'invite' && (
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
