import { Select } from '@mantine/core';
import { services } from '../api/services.ts';
import { CustomerSelect } from '../ui/EntitySelects.tsx';
import { ListPage } from '../ui/ListPage.tsx';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { AddServiceMenu } from './services/AddServiceMenu.tsx';
import { serviceColumns, serviceSort, serviceStatusOptions } from './services/serviceColumns.tsx';

export function ServicesPage() {
  const list = useListParams(['status', 'customerId'], serviceSort);
  const query = usePagedQuery(services, list.params);

  return (
    <ListPage
      title="Services"
      list={list}
      query={query}
      columns={serviceColumns({ withCustomer: true })}
      rowKey={(s) => s.id}
      emptyText="No services yet. Add one with Add Service ▸ Direct Routing."
      actions={<AddServiceMenu />}
      filters={
        <>
          <Select
            label="Filter by status"
            placeholder="All statuses"
            clearable
            w={200}
            data={serviceStatusOptions}
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
      }
    />
  );
}
