import { Alert, Anchor, Button, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconChartBar } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import type { QoeServiceSummary as Summary, QoeSubscriptionState } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { qoe } from '../../api/qoe.ts';
import { DataTable } from '../../ui/DataTable.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { formatCount, formatPercent } from './format.ts';

/** The Call quality page filtered to one service (the last 24 hours, its default range). */
export const qoeServicePath = (serviceId: string) => `/quality?serviceId=${encodeURIComponent(serviceId)}`;

/** Refresh the small summaries as often as the dashboard does while the page is open. */
const SUMMARY_REFRESH_MS = 60_000;

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div role="group" aria-label={label}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="xl" fw={700} lh={1.3}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </div>
  );
}

/** Where the service's call records come from: its Graph subscription, or why there is none. */
function SubscriptionLine({ state }: { state: QoeSubscriptionState | undefined }) {
  if (!state) return null;
  if (!state.configured)
    return (
      <Text size="sm" c="dimmed">
        No call records are collected: set the Teams Notification Service app in the Microsoft 365 settings.
      </Text>
    );
  const sub = state.subscription;
  if (!sub?.graphSubscriptionId)
    return (
      <Text size="sm" c={sub?.lastError ? 'red.8' : 'dimmed'}>
        Call-record subscription not created yet{sub?.lastError ? `: ${sub.lastError}` : '.'}
      </Text>
    );
  return (
    <Text size="sm" c="dimmed">
      Call-record subscription active until {formatDateTime(sub.expiresAt, '—')} · last notification{' '}
      {formatDateTime(sub.lastNotificationAt)}
      {sub.lastError ? ` · last error: ${sub.lastError}` : ''}
    </Text>
  );
}

/** The service page's last 24 hours of calls, with the way to the dashboard filtered to the service. */
export function QoeServiceSummary({ serviceId }: { serviceId: string }) {
  const summary = useQuery({
    queryKey: qoe.serviceSummaryKey(serviceId),
    queryFn: () => qoe.serviceSummary(serviceId),
    refetchInterval: SUMMARY_REFRESH_MS,
  });
  const subscription = useQuery({
    queryKey: qoe.subscriptionKey(serviceId),
    queryFn: () => qoe.subscription(serviceId),
    refetchInterval: SUMMARY_REFRESH_MS,
  });
  const s = summary.data;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="qoe-service-title">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} id="qoe-service-title">
            Call quality — last 24 hours
          </Title>
          <Button
            component={Link}
            to={qoeServicePath(serviceId)}
            variant="light"
            size="xs"
            leftSection={<IconChartBar size={16} />}
          >
            Open call quality
          </Button>
        </Group>
        {summary.isError && (
          <Alert color="red" role="alert">
            {errorMessage(summary.error)}
          </Alert>
        )}
        {summary.isPending && <Text c="dimmed">Loading…</Text>}
        {s && (
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <Figure
              label="Calls"
              value={formatCount(s.calls.total)}
              hint={`${formatCount(s.calls.answered)} answered · ${formatCount(s.calls.failed)} failed`}
            />
            <Figure label="Success rate" value={formatPercent(s.calls.successRate)} />
            <Figure
              label="Poor streams"
              value={formatPercent(s.streams.poorShare)}
              hint={`${formatCount(s.streams.poorStreams)} of ${formatCount(s.streams.streams)}`}
            />
            <Figure label="Last call" value={formatDateTime(s.lastCallAt, '—')} />
          </SimpleGrid>
        )}
        <SubscriptionLine state={subscription.data} />
      </Stack>
    </Paper>
  );
}

/** The Onboarding view's last 24 hours of the services it lists (one request for all of them). */
export function QoeServicesSummary({ services }: { services: { id: string; fullName: string }[] }) {
  const ids = services.map((s) => s.id);
  const query = useQuery({
    queryKey: qoe.serviceSummariesKey(ids),
    queryFn: () => qoe.serviceSummaries(ids),
    enabled: ids.length > 0,
    refetchInterval: SUMMARY_REFRESH_MS,
  });
  if (ids.length === 0) return null;
  const byId = new Map((query.data ?? []).map((s) => [s.serviceId, s]));
  const rows = services.flatMap((svc) => {
    const s = byId.get(svc.id);
    return s ? [{ ...s, name: svc.fullName }] : [];
  });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="qoe-services-title">
      <Stack gap="sm">
        <Title order={3} id="qoe-services-title">
          Call quality — last 24 hours
        </Title>
        <DataTable<Summary & { name: string }>
          columns={[
            {
              key: 'service',
              header: 'Service',
              render: (r) => (
                <Anchor component={Link} to={qoeServicePath(r.serviceId)} size="sm">
                  {r.name}
                </Anchor>
              ),
            },
            { key: 'calls', header: 'Calls', render: (r) => formatCount(r.calls.total) },
            { key: 'success', header: 'Success rate', render: (r) => formatPercent(r.calls.successRate) },
            {
              key: 'poor',
              header: 'Poor streams',
              render: (r) =>
                r.streams.streams === 0
                  ? '—'
                  : `${formatPercent(r.streams.poorShare)} (${formatCount(r.streams.poorStreams)} of ${formatCount(r.streams.streams)})`,
            },
            {
              key: 'last',
              header: 'Last call',
              nowrap: true,
              render: (r) => formatDateTime(r.lastCallAt, '—'),
            },
          ]}
          rows={query.data ? rows : undefined}
          rowKey={(r) => r.serviceId}
          loading={query.isFetching}
          error={query.error}
          emptyText="No call quality data for these services."
        />
      </Stack>
    </Paper>
  );
}
