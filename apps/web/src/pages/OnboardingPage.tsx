import { Alert, Anchor, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconFileDescription, IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { errorMessage } from '../api/client.ts';
import { customers } from '../api/customers.ts';
import { serviceDrafts, services } from '../api/services.ts';
import { DataTable } from '../ui/DataTable.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { Pager } from '../ui/Pager.tsx';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { canAddServices } from '../auth/permissions.ts';
import { QoeServicesSummary } from './qoe/QoeServiceSummary.tsx';
import { useCustomerLive } from './services/live.ts';
import { LicenceUsage } from './services/LicenceUsage.tsx';
import { RoutingActivity } from './services/RoutingActivity.tsx';
import { serviceColumns, serviceSort } from './services/serviceColumns.tsx';

/** One customer's Direct Routing services, its licence budget, and the way to add a tenant. */
export function OnboardingPage() {
  const customerId = useParams().customerId ?? '';
  const navigate = useNavigate();
  const me = useCurrentUser();
  const adds = canAddServices(me);
  const customer = useQuery(customers.itemQuery(customerId));
  const draft = useQuery({ ...serviceDrafts.query(customerId), enabled: adds });
  const list = useListParams([], serviceSort);
  // One event stream for the page: runs, connections, roles and invitations of the customer's services.
  const runs = useCustomerLive(customerId);
  const query = usePagedQuery(services, { ...list.params, customerId, q: undefined });
  const newTenant = `/onboarding/${encodeURIComponent(customerId)}/new`;

  if (customer.isError) {
    return (
      <Stack>
        <Title order={2}>Onboarding</Title>
        <Alert color="red" role="alert">
          {errorMessage(customer.error)}
        </Alert>
        <Anchor component={Link} to="/services">
          Back to services
        </Anchor>
      </Stack>
    );
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Onboarding — {customer.data?.name ?? '…'}</Title>
        {adds && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => void navigate(newTenant)}>
            Add New Tenant
          </Button>
        )}
      </Group>
      <LicenceUsage customerId={customerId} />
      {adds && draft.data && (
        <Alert color="blue" icon={<IconFileDescription />} title="Resume draft">
          <Group justify="space-between">
            <Text size="sm">
              A new tenant
              {draft.data.data.fullName ? ` (${draft.data.data.fullName})` : ''} was left unfinished on{' '}
              {formatDateTime(draft.data.updatedAt)}.
            </Text>
            <Button size="xs" variant="light" component={Link} to={newTenant}>
              Resume draft
            </Button>
          </Group>
        </Alert>
      )}
      <RoutingActivity
        runs={runs}
        names={Object.fromEntries((query.data?.items ?? []).map((s) => [s.id, s.fullName]))}
      />
      <Paper withBorder p="md" component="section" aria-labelledby="dr-services-title">
        <Stack>
          <Title order={3} id="dr-services-title">
            Direct Routing services
          </Title>
          <DataTable
            columns={serviceColumns({ withCustomer: false })}
            rows={query.data?.items}
            rowKey={(s) => s.id}
            loading={query.isFetching}
            error={query.error}
            emptyText={
              adds
                ? 'No Direct Routing services yet. Add one with Add New Tenant.'
                : 'No Direct Routing services yet.'
            }
            sort={list.sort}
          />
          {query.data && <Pager page={query.data} onChange={list.setPage} />}
        </Stack>
      </Paper>
      <QoeServicesSummary services={query.data?.items ?? []} />
    </Stack>
  );
}
