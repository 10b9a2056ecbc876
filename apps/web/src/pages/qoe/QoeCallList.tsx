import { useState } from 'react';
import { Anchor, Badge, Button, Group, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router-dom';
import type { QoeCallListItem } from '@trunkline/contracts';
import { qoe } from '../../api/qoe.ts';
import { DataTable, type Column } from '../../ui/DataTable.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { formatDuration, graphWords, sipLabel } from './format.ts';
import { currentCursor, firstPage, newer, older, pageNumber, type KeysetState } from './keyset.ts';
import { rangeWindow, type Range } from './range.ts';
import { AUTO_REFRESH_MS } from './useQoeFilters.ts';

const PAGE_SIZE = 25;

type Show = 'all' | 'poor' | 'failed';
const showLabels: Record<Show, string> = { all: 'All calls', poor: 'Poor audio', failed: 'Failed' };

/** Where a call record's streams are shown. */
export const callPath = (serviceId: string, callId: string) =>
  `/quality/services/${encodeURIComponent(serviceId)}/calls/${encodeURIComponent(callId)}`;

function Outcome({ call }: { call: QoeCallListItem }) {
  if (call.source === 'directRouting' && !call.answered)
    return (
      <Badge color="red" variant="light">
        Failed · {sipLabel(call.finalSipCode, call.finalSipPhrase)}
      </Badge>
    );
  if (call.failureReason)
    return (
      <Badge color="red" variant="light">
        {call.failureReason}
      </Badge>
    );
  return (
    <Badge color="teal" variant="light">
      Answered
    </Badge>
  );
}

function StreamsCell({ call }: { call: QoeCallListItem }) {
  if (call.streamCount === null) return <Text size="sm">—</Text>;
  const poor = call.poorStreamCount ?? 0;
  return (
    <Group gap={6} wrap="nowrap">
      <Text size="sm">{call.streamCount}</Text>
      {poor > 0 && (
        <Badge color="orange" variant="filled" aria-label={`${poor} poor`}>
          {poor} poor
        </Badge>
      )}
    </Group>
  );
}

/** Who called whom, as Microsoft gives it (numbers for Direct Routing rows, the kind of call otherwise). */
const parties = (call: QoeCallListItem) => {
  if (call.callerNumber || call.calleeNumber)
    return `${call.callerNumber ?? '?'} → ${call.calleeNumber ?? '?'}`;
  const kind = call.hasPstn ? 'PSTN (Direct Routing)' : graphWords(call.type);
  return call.modalities.length ? `${kind} · ${call.modalities.join(', ')}` : kind;
};

/**
 * The calls of the range, newest first, a keyset page at a time: call records (with a link to their sessions,
 * segments and streams) and failed attempts from the Direct Routing log (which have no call record). Page 1 follows
 * the sliding range while auto-refresh is on; older pages keep the range they were opened in.
 */
export function QoeCallList({
  range,
  customerId,
  serviceId,
  autoRefresh,
}: {
  range: Range;
  customerId: string | undefined;
  serviceId: string | undefined;
  autoRefresh: boolean;
}) {
  const location = useLocation();
  const [show, setShow] = useState<Show>('all');
  const [keyset, setKeyset] = useState<KeysetState>(firstPage);
  const [pinned, setPinned] = useState<{ from: string; to: string } | null>(null);
  const cursor = currentCursor(keyset);
  const filters = { range, customerId, serviceId, show };

  const query = useQuery({
    queryKey: [...qoe.key, 'calls', filters, cursor ?? null, cursor ? pinned : null],
    queryFn: async () => {
      const window = cursor && pinned ? pinned : rangeWindow(range, Date.now());
      const page = await qoe.calls(
        {
          ...window,
          customerId,
          serviceId,
          poor: show === 'poor' ? true : undefined,
          failed: show === 'failed' ? true : undefined,
        },
        cursor,
        PAGE_SIZE,
      );
      return { page, window };
    },
    placeholderData: keepPreviousData,
    refetchInterval: autoRefresh && !cursor ? AUTO_REFRESH_MS : false,
    refetchOnWindowFocus: autoRefresh && !cursor,
  });
  const data = query.data;

  const columns: Column<QoeCallListItem>[] = [
    {
      key: 'start',
      header: 'Started',
      nowrap: true,
      render: (c) =>
        c.source === 'callRecord' ? (
          <Anchor
            component={Link}
            to={callPath(c.serviceId, c.id)}
            state={{ from: `${location.pathname}${location.search}` }}
            size="sm"
            aria-label={`Call of ${formatDateTime(c.startAt)} on ${c.serviceName}${c.poorStreamCount ? ', poor audio' : ''}: streams`}
          >
            {formatDateTime(c.startAt)}
          </Anchor>
        ) : (
          formatDateTime(c.startAt)
        ),
    },
    {
      key: 'service',
      header: 'Service',
      render: (c) => (
        <>
          {c.serviceName}
          <Text size="xs" c="dimmed">
            {c.customerName}
          </Text>
        </>
      ),
    },
    { key: 'parties', header: 'Call', render: parties },
    { key: 'duration', header: 'Duration', nowrap: true, render: (c) => formatDuration(c.durationSeconds) },
    { key: 'outcome', header: 'Outcome', nowrap: true, render: (c) => <Outcome call={c} /> },
    { key: 'streams', header: 'Streams', nowrap: true, render: (c) => <StreamsCell call={c} /> },
  ];

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="qoe-call-list-title">
      <Stack>
        <Group justify="space-between">
          <Title order={3} size="h4" id="qoe-call-list-title">
            Calls
          </Title>
          <SegmentedControl
            aria-label="Show calls"
            value={show}
            data={(Object.keys(showLabels) as Show[]).map((k) => ({ value: k, label: showLabels[k] }))}
            onChange={(value) => {
              setShow(value as Show);
              setKeyset(firstPage);
              setPinned(null);
            }}
          />
        </Group>
        <DataTable
          columns={columns}
          rows={data?.page.items}
          rowKey={(c) => `${c.source}:${c.serviceId}:${c.id}`}
          loading={query.isFetching}
          error={query.error}
          emptyText={
            show === 'poor'
              ? 'No calls with a poor stream in this range.'
              : show === 'failed'
                ? 'No failed calls in this range.'
                : 'No calls in this range.'
          }
        />
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            Page {pageNumber(keyset)} · newest first
          </Text>
          <Group gap="xs">
            <Button
              variant="default"
              size="xs"
              disabled={!cursor}
              onClick={() => {
                const next = newer(keyset);
                setKeyset(next);
                if (!currentCursor(next)) setPinned(null);
              }}
            >
              Newer calls
            </Button>
            <Button
              variant="default"
              size="xs"
              disabled={!data?.page.nextCursor || query.isPlaceholderData}
              onClick={() => {
                if (!data?.page.nextCursor) return;
                if (!cursor) setPinned(data.window);
                setKeyset(older(keyset, data.page.nextCursor));
              }}
            >
              Older calls
            </Button>
          </Group>
        </Group>
      </Stack>
    </Paper>
  );
}
