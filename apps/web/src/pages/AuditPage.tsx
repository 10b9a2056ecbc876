import { Badge, Button, Code, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useDebouncedCallback } from '@mantine/hooks';
import { useState } from 'react';
import dayjs from 'dayjs';
import { audit } from '../api/audit.ts';
import type { AuditEvent } from '@trunkline/contracts';
import type { Column } from '../ui/DataTable.tsx';
import { CustomerSelect, UserSelect } from '../ui/EntitySelects.tsx';
import { ListPage } from '../ui/ListPage.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useListParams, usePagedQuery } from '../ui/list.ts';

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
  {
    key: 'actor',
    header: 'Actor',
    render: (e) => (
      <Text size="sm" title={e.actorEmail}>
        {e.actorName ?? e.actorEmail}
      </Text>
    ),
  },
  {
    key: 'event',
    header: 'What happened',
    render: (e) => (
      <Stack gap={2}>
        <Text size="sm">{e.sentence}</Text>
        <details>
          <Text component="summary" size="xs" c="dimmed">
            Details
          </Text>
          <Code block mt={4} maw={520} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {JSON.stringify(
              {
                action: e.action,
                target: { type: e.targetType, id: e.targetId, name: e.targetName },
                customer: e.customerName,
                summary: e.summary,
                address: e.ip,
              },
              null,
              2,
            )}
          </Code>
        </details>
      </Stack>
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
];

export function AuditPage() {
  const list = useListParams(['customerId', 'actorId', 'action', 'from', 'to']);
  const fromDay = list.filter('from');
  const toDay = list.filter('to');
  const params = { ...list.params, q: undefined, ...dayBounds(fromDay, toDay) };
  const query = usePagedQuery(audit, params);

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
      actions={
        // The server writes the file (same filters and scope as the list); the browser downloads it.
        <Button
          component="a"
          href={audit.exportUrl(params)}
          download
          variant="default"
          leftSection={<IconDownload size={16} />}
        >
          Export CSV
        </Button>
      }
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
