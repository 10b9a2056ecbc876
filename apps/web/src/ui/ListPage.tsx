import type { ReactNode } from 'react';
import { Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { Page } from '@trunkline/contracts';
import { DataTable } from './DataTable.tsx';
import type { Column } from './DataTable.tsx';
import { Pager } from './Pager.tsx';
import type { ListState } from './list.ts';

type ListPageProps<T> = {
  title: string;
  list: ListState;
  query: UseQueryResult<Page<T>>;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  emptyText: string;
  /** Buttons beside the title, e.g. "New customer". */
  actions?: ReactNode;
  /** Inputs beside the search box that narrow the list. */
  filters?: ReactNode;
  /** Modals the page opens. */
  children?: ReactNode;
  /** False for a list the server cannot search by text. */
  searchable?: boolean;
  /** Text under the title. */
  description?: ReactNode;
};

/** The shared shape of a searchable, paginated list: title and actions, search and filters, table, pager. */
export function ListPage<T>(props: ListPageProps<T>) {
  const { title, list, query, columns, rowKey, emptyText, actions, filters, children } = props;
  const { searchable = true, description } = props;
  const narrowed =
    Boolean(list.params.q) || Object.keys(list.params).some((k) => !baseParams.has(k) && list.params[k]);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{title}</Title>
        {actions && <Group>{actions}</Group>}
      </Group>
      {description && (
        <Text size="sm" c="dimmed">
          {description}
        </Text>
      )}
      {(searchable || filters) && (
        <Group align="flex-end">
          {searchable && (
            <TextInput
              type="search"
              label="Search"
              placeholder="Search by name"
              leftSection={<IconSearch size={16} />}
              value={list.search}
              onChange={(event) => list.setSearch(event.currentTarget.value)}
              w={280}
            />
          )}
          {filters}
        </Group>
      )}
      <DataTable
        columns={columns}
        rows={query.data?.items}
        rowKey={rowKey}
        loading={query.isFetching}
        error={query.error}
        emptyText={narrowed ? 'Nothing matches.' : emptyText}
        sort={list.sort}
      />
      {query.data && <Pager page={query.data} onChange={list.setPage} />}
      {children}
    </Stack>
  );
}

const baseParams = new Set(['page', 'pageSize', 'q', 'sort', 'order']);
