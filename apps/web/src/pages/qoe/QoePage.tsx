import '@mantine/charts/styles.css';
import '@mantine/dates/styles.css';
import {
  Alert,
  Button,
  Group,
  List,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Title,
} from '@mantine/core';
import { IconPhoneOff, IconRefresh } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { QoeSummary } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { qoe } from '../../api/qoe.ts';
import { formatDateTime } from '../../ui/format.ts';
import { isEmptySummary } from './chartData.ts';
import { formatCount, formatPercent } from './format.ts';
import { QoeCallList } from './QoeCallList.tsx';
import { QoeCharts } from './QoeCharts.tsx';
import { QoeFilters } from './QoeFilters.tsx';
import { describeRange, rangeWindow } from './range.ts';
import { AUTO_REFRESH_MS, useQoeFilters } from './useQoeFilters.ts';

function Stat({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <Paper withBorder p="md" role="group" aria-label={label}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={28} fw={700} lh={1.2}>
        {value}
      </Text>
      <Text size="xs" c="dimmed">
        {hint}
      </Text>
    </Paper>
  );
}

function Stats({ summary }: { summary: QoeSummary }) {
  const { calls, streams } = summary;
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }}>
      <Stat
        label="Calls"
        value={formatCount(calls.total)}
        hint={
          calls.total === 0 && streams.callRecords > 0
            ? 'Direct Routing log: read minutes after calls, every 15 minutes'
            : `${formatCount(calls.answered)} answered · ${formatCount(calls.failed)} failed`
        }
      />
      <Stat
        label="Success rate"
        value={formatPercent(calls.successRate)}
        hint="Answered of all call attempts"
      />
      <Stat
        label="Poor streams"
        value={formatPercent(streams.poorShare)}
        hint={`${formatCount(streams.poorStreams)} of ${formatCount(streams.streams)} media streams`}
      />
      <Stat
        label="Calls with poor audio"
        value={formatCount(streams.poorCalls)}
        hint={`of ${formatCount(streams.callRecords)} call records`}
      />
    </SimpleGrid>
  );
}

/** Why the dashboard is empty and what fills it. */
export function QoeEmptyState({ rangeText }: { rangeText: string }) {
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="qoe-empty-title">
      <Stack gap="xs">
        <Group gap="xs">
          <IconPhoneOff size={20} stroke={1.6} aria-hidden />
          <Title order={3} size="h4" id="qoe-empty-title">
            No calls in {rangeText}
          </Title>
        </Group>
        <Text size="sm">
          Call quality data arrives from Microsoft Teams on its own once a service is set up for it:
        </Text>
        <List size="sm" spacing={4}>
          <List.Item>
            The customer&apos;s <b>Teams Notification Service</b> app (application ID and secret with the{' '}
            <code>CallRecords.Read.All</code> permission) is set in the service&apos;s Microsoft 365 settings
            by a provider or channel admin. Trunkline then subscribes to the tenant&apos;s call records.
          </List.Item>
          <List.Item>
            After each call Microsoft notifies Trunkline and the call record — sessions, segments and media
            streams with jitter, packet loss and round trip — is stored within a minute or two.
          </List.Item>
          <List.Item>
            Answered and failed call attempts with their final SIP codes come from the tenant&apos;s Direct
            Routing log, read two minutes after calls arrive and every 15 minutes.
          </List.Item>
          <List.Item>
            In the sandbox, the Microsoft 365 emulator&apos;s call generator makes calls (good, poor and
            failed) for connected tenants.
          </List.Item>
        </List>
      </Stack>
    </Paper>
  );
}

/**
 * Call quality (issue #15): calls over time, success rate and SIP codes, poor streams by Microsoft's thresholds,
 * percentiles, top services, and the call list with a drill-down. Scoped like every list (the server answers
 * within the user's provider, channel or customer); filtered by range, customer and service.
 */
export function QoePage() {
  const filters = useQoeFilters();
  const { range, customerId, serviceId, autoRefresh } = filters;

  const summary = useQuery({
    queryKey: [...qoe.key, 'summary', { range, customerId, serviceId }],
    // A preset range ends when the data is asked for, so every refresh slides it forward.
    queryFn: () => qoe.summary({ ...rangeWindow(range, Date.now()), customerId, serviceId }),
    placeholderData: keepPreviousData,
    // TanStack Query pauses the interval while the tab is hidden and, with auto-refresh on, catches up on return.
    refetchInterval: autoRefresh ? AUTO_REFRESH_MS : false,
    refetchOnWindowFocus: autoRefresh,
  });
  const data = summary.data;
  const rangeText = describeRange(range);

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={2}>Call quality</Title>
        <Group>
          <Switch
            label={`Auto-refresh every ${AUTO_REFRESH_MS / 1000} s`}
            checked={autoRefresh}
            onChange={(event) => filters.setAutoRefresh(event.currentTarget.checked)}
          />
          <Button
            variant="default"
            leftSection={<IconRefresh size={16} />}
            loading={summary.isFetching}
            onClick={() => void summary.refetch()}
          >
            Refresh
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        Microsoft Teams call records and the Direct Routing log of your services: call outcomes, media quality
        by Microsoft&apos;s Call Quality Dashboard thresholds, and every call down to its streams.
      </Text>
      <QoeFilters filters={filters} />
      {data && (
        <Text size="xs" c="dimmed" aria-live="polite">
          {formatDateTime(data.range.from)} – {formatDateTime(data.range.to)} · updated{' '}
          {new Date(summary.dataUpdatedAt).toLocaleTimeString('en-GB')}
          {autoRefresh ? ' · refreshes while this tab is open' : ''}
        </Text>
      )}
      {summary.isError && (
        <Alert color="red" role="alert" title={data ? 'Could not refresh' : undefined}>
          {errorMessage(summary.error)}
        </Alert>
      )}
      {!data && summary.isPending && (
        <Group gap="xs" role="status">
          <Loader size="sm" />
          <Text c="dimmed">Loading…</Text>
        </Group>
      )}
      {data &&
        (isEmptySummary(data) ? (
          <QoeEmptyState rangeText={rangeText} />
        ) : (
          <>
            <Stats summary={data} />
            <QoeCharts summary={data} />
            <QoeCallList
              key={JSON.stringify({ range, customerId, serviceId })}
              range={range}
              customerId={customerId}
              serviceId={serviceId}
              autoRefresh={autoRefresh}
            />
          </>
        ))}
    </Stack>
  );
}
