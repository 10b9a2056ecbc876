import type { ReactNode } from 'react';
import { Alert, Center, Group, Loader, Table, Text, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconSelector } from '@tabler/icons-react';
import { errorMessage } from '../api/client.ts';
import type { SortState } from './list.ts';

export type Column<T> = {
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  /** The server's sort field for this column; the header becomes a button when the table is sortable. */
  sortKey?: string;
  /** Keep the cells on one line (badges, timestamps): the column takes the width it needs. */
  nowrap?: boolean;
};

const oneLine = { whiteSpace: 'nowrap' } as const;

type DataTableProps<T> = {
  columns: Column<T>[];
  rows: T[] | undefined;
  rowKey: (row: T) => string;
  loading: boolean;
  error: unknown;
  emptyText: string;
  sort?: SortState;
};

function SortHeader({ label, field, sort }: { label: ReactNode; field: string; sort: SortState }) {
  const active = sort.field === field;
  const Icon = !active ? IconSelector : sort.order === 'asc' ? IconArrowUp : IconArrowDown;
  return (
    <UnstyledButton onClick={() => sort.toggle(field)} fw={700} fz="sm">
      <Group gap={4} wrap="nowrap">
        {label}
        <Icon size={14} stroke={1.6} aria-hidden />
      </Group>
    </UnstyledButton>
  );
}

const ariaSort = (column: Column<unknown>, sort: SortState | undefined) => {
  if (!sort || !column.sortKey) return undefined;
  if (sort.field !== column.sortKey) return 'none';
  return sort.order === 'asc' ? 'ascending' : 'descending';
};

export function DataTable<T>({ columns, rows, rowKey, loading, error, emptyText, sort }: DataTableProps<T>) {
  if (error && !rows) {
    return (
      <Alert color="red" role="alert">
        {errorMessage(error)}
      </Alert>
    );
  }
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-busy={loading}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((column) => (
              <Table.Th
                key={column.key}
                aria-sort={ariaSort(column as Column<unknown>, sort)}
                style={oneLine}
              >
                {sort && column.sortKey ? (
                  <SortHeader label={column.header} field={column.sortKey} sort={sort} />
                ) : (
                  column.header
                )}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows?.map((row) => (
            <Table.Tr key={rowKey(row)}>
              {columns.map((column) => (
                <Table.Td key={column.key} style={column.nowrap ? oneLine : undefined}>
                  {column.render(row)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
          {(!rows || rows.length === 0) && (
            <Table.Tr>
              <Table.Td colSpan={columns.length}>
                <Center py="md">
                  {loading ? <Loader size="sm" aria-label="Loading" /> : <Text c="dimmed">{emptyText}</Text>}
                </Center>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
