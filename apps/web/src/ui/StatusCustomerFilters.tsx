import { Select } from '@mantine/core';
import { CustomerSelect } from './EntitySelects.tsx';
import type { ListState } from './list.ts';

/** The "Filter by status" and "Filter by customer" pair of the services and invitations lists. */
export function StatusCustomerFilters({
  list,
  statusOptions,
}: {
  list: ListState;
  statusOptions: { value: string; label: string }[];
}) {
  return (
    <>
      <Select
        label="Filter by status"
        placeholder="All statuses"
        clearable
        w={200}
        data={statusOptions}
        value={list.filter('status')}
        onChange={(value) => list.setFilter('status', value)}
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
