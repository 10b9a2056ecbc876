import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { canAddServices } from '../auth/permissions.ts';
import { services } from '../api/services.ts';
import { ListPage } from '../ui/ListPage.tsx';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { StatusCustomerFilters } from '../ui/StatusCustomerFilters.tsx';
import { AddServiceMenu } from './services/AddServiceMenu.tsx';
import { serviceColumns, serviceSort, serviceStateOptions } from './services/serviceColumns.tsx';

export function ServicesPage() {
  const me = useCurrentUser();
  const adds = canAddServices(me);
  const list = useListParams(['state', 'customerId'], serviceSort);
  const query = usePagedQuery(services, list.params);

  return (
    <ListPage
      title="Services"
      list={list}
      query={query}
      columns={serviceColumns({ withCustomer: true })}
      rowKey={(s) => s.id}
      emptyText={adds ? 'No services yet. Add one with Add Service ▸ Direct Routing.' : 'No services yet.'}
      actions={adds ? <AddServiceMenu /> : undefined}
      filters={<StatusCustomerFilters list={list} statusOptions={serviceStateOptions} statusKey="state" />}
    />
  );
}
