import { Select } from '@mantine/core';
import { CustomerSelect } from './EntitySelects.tsx';
import type { ListState } from './list.ts';

/** The "Filter by status" and "Filter by customer" pair of the services and invitations lists. */
export function StatusCustomerFilters({
  list,
  statusOptions,
  statusKey = 'status',
}: {
  list: ListState;
  statusOptions: { value: string; label: string }[];
  /** The query parameter the status filter sets (services filter by their lifecycle `state`). */
  statusKey?: string;
}) {
  return (
    <>
      <Select
        label="Filter by status"
        placeholder="All statuses"
        clearable
        w={200}
        data={statusOptions}
        value={list.filter(statusKey)}
        onChange={(value) => list.setFilter(statusKey, value)}
      />
      <CustomerSelect
        label="Filter by customer"
        placeholder="All customers"
        clearable
        w={240}
        value={list.filter('customerId')}
        onChange={(value) => list.setFilter('customerId', value)}
      />
    </>
  );
}
