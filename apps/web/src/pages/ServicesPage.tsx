import { services } from '../api/services.ts';
import { ListPage } from '../ui/ListPage.tsx';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { StatusCustomerFilters } from '../ui/StatusCustomerFilters.tsx';
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
      filters={<StatusCustomerFilters list={list} statusOptions={serviceStatusOptions} />}
    />
  );
}
