import { useState } from 'react';
import type { Customer } from '@trunkline/contracts';
import { customers } from '../api/customers.ts';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { canChooseChannel, canCreateCustomers } from '../auth/permissions.ts';
import { actionsColumn, NewButton } from '../ui/actions.tsx';
import type { Column } from '../ui/DataTable.tsx';
import { ChannelSelect } from '../ui/EntitySelects.tsx';
import { ListPage } from '../ui/ListPage.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { CustomerModal } from './customers/CustomerModal.tsx';

export function CustomersPage() {
  const me = useCurrentUser();
  const list = useListParams(['channelId']);
  const query = usePagedQuery(customers, list.params);
  const [editing, setEditing] = useState<Customer | 'new' | null>(null);

  const columns: Column<Customer>[] = [
    { key: 'name', header: 'Name', render: (c) => c.name },
    { key: 'channel', header: 'Channel', render: (c) => c.channelName ?? '—' },
    { key: 'created', header: 'Created', render: (c) => formatDateTime(c.createdAt) },
    actionsColumn([{ label: 'Edit', onClick: setEditing }]),
  ];

  return (
    <ListPage
      title="Customers"
      list={list}
      query={query}
      columns={columns}
      rowKey={(c) => c.id}
      emptyText="No customers yet."
      actions={
        canCreateCustomers(me) && <NewButton onClick={() => setEditing('new')}>New customer</NewButton>
      }
      filters={
        canChooseChannel(me) && (
          <ChannelSelect
            label="Filter by channel"
            placeholder="All channels"
            clearable
            w={240}
            value={list.filter('channelId')}
            onChange={(value) => list.setFilter('channelId', value)}
          />
        )
      }
    >
      {editing && (
        <CustomerModal customer={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
    </ListPage>
  );
}
