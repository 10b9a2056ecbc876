import { Badge, Code, Group, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useState } from 'react';
import dayjs from 'dayjs';
import type { AuditEvent } from '@trunkline/contracts';
import { audit } from '../api/audit.ts';
import type { Column } from '../ui/DataTable.tsx';
import { CustomerSelect, UserSelect } from '../ui/EntitySelects.tsx';
import { ListPage } from '../ui/ListPage.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useListParams, usePagedQuery } from '../ui/list.ts';

/** `key=value key=value`, strings bare, everything else as JSON. */
export function compactSummary(summary: Record<string, unknown>): string {
  return Object.entries(summary)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

const isDay = (value: string | null): value is string => Boolean(value && /^\d{4}-\d{2}-\d{2}$/.test(value));

/** The URL keeps calendar days; the API takes instants: the start of the first day, the end of the last. */
function dayBounds(from: string | null, to: string | null) {
  return {
    from: isDay(from) ? dayjs(from).startOf('day').toISOString() : undefined,
    to: isDay(to) ? dayjs(to).endOf('day').toISOString() : undefined,
  };
}

const columns: Column<AuditEvent>[] = [
  {
    key: 'at',
    header: 'Time',
    render: (e) => (
      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
        {formatDateTime(e.at)}
      </Text>
    ),
  },
  { key: 'actor', header: 'Actor', render: (e) => e.actorEmail },
  { key: 'action', header: 'Action', render: (e) => <Code>{e.action}</Code> },
  {
    key: 'target',
    header: 'Target',
    render: (e) => (
      <Text size="sm">
        {e.targetType}
        {e.targetId && (
          <Tooltip label={e.targetId} withinPortal>
            <Text span size="xs" c="dimmed" ml={4}>
              {e.targetId.slice(0, 8)}
            </Text>
          </Tooltip>
        )}
      </Text>
    ),
  },
  {
    key: 'outcome',
    header: 'Outcome',
    nowrap: true,
    render: (e) => (
      <Badge color={e.outcome === 'success' ? 'green' : 'red'} variant="light">
        {e.outcome === 'success' ? 'Success' : 'Failure'}
      </Badge>
    ),
  },
  {
    key: 'summary',
    header: 'Summary',
    render: (e) => {
      const text = compactSummary(e.summary);
      return (
        <Text
          size="xs"
          ff="monospace"
          lineClamp={2}
          maw={420}
          title={text}
          style={{ overflowWrap: 'anywhere' }}
        >
          {text}
        </Text>
      );
    },
  },
];

export function AuditPage() {
  const list = useListParams(['customerId', 'actorId', 'action', 'from', 'to']);
  const fromDay = list.filter('from');
  const toDay = list.filter('to');
  const query = usePagedQuery(audit, { ...list.params, q: undefined, ...dayBounds(fromDay, toDay) });

  // The action box writes to the URL once typing pauses, like the search box of other lists.
  const [action, setAction] = useState(list.filter('action') ?? '');
  const commitAction = useDebouncedCallback(
    (value: string) => list.setFilter('action', value.trim() || null),
    300,
  );

  return (
    <ListPage
      title="Audit"
      description="Who changed what, and when. Newest first."
      list={list}
      query={query}
      columns={columns}
      rowKey={(e) => e.id}
      emptyText="Nothing recorded yet."
      searchable={false}
      filters={
        <Group align="flex-end">
          <CustomerSelect
            label="Customer"
            placeholder="All customers"
            clearable
            w={220}
            value={list.filter('customerId')}
            onChange={(value) => list.setFilter('customerId', value)}
          />
          <UserSelect
            label="Actor"
            placeholder="Anyone"
            clearable
            w={260}
            value={list.filter('actorId')}
            onChange={(value) => list.setFilter('actorId', value)}
          />
          <TextInput
            label="Action"
            placeholder="e.g. service.create"
            w={200}
            value={action}
            onChange={(event) => {
              setAction(event.currentTarget.value);
              commitAction(event.currentTarget.value);
            }}
          />
          <TextInput
            label="From date"
            type="date"
            w={160}
            value={fromDay ?? ''}
            max={toDay ?? undefined}
            onChange={(event) => list.setFilter('from', event.currentTarget.value || null)}
          />
          <TextInput
            label="To date"
            type="date"
            w={160}
            value={toDay ?? ''}
            min={fromDay ?? undefined}
            onChange={(event) => list.setFilter('to', event.currentTarget.value || null)}
          />
        </Group>
      }
    />
  );
}
