import { useState } from 'react';
import { Anchor } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { Channel } from '@trunkline/contracts';
import { channels } from '../api/channels.ts';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { canManageChannels } from '../auth/permissions.ts';
import { actionsColumn, NewButton } from '../ui/actions.tsx';
import type { Column } from '../ui/DataTable.tsx';
import { ListPage } from '../ui/ListPage.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { ChannelModal } from './channels/ChannelModal.tsx';

export function ChannelsPage() {
  const manage = canManageChannels(useCurrentUser());
  const list = useListParams();
  const query = usePagedQuery(channels, list.params);
  const [editing, setEditing] = useState<Channel | 'new' | null>(null);

  const columns: Column<Channel>[] = [
    { key: 'name', header: 'Name', render: (c) => c.name },
    {
      key: 'customers',
      header: 'Customers',
      render: (c) => (
        <Anchor component={Link} to={`/customers?channelId=${encodeURIComponent(c.id)}`} size="sm">
          {c.customerCount}
        </Anchor>
      ),
    },
    { key: 'created', header: 'Created', render: (c) => formatDateTime(c.createdAt) },
  ];
  if (manage) columns.push(actionsColumn([{ label: 'Edit', onClick: setEditing }]));

  return (
    <ListPage
      title="Channels"
      list={list}
      query={query}
      columns={columns}
      rowKey={(c) => c.id}
      emptyText="No channels yet."
      actions={manage && <NewButton onClick={() => setEditing('new')}>New channel</NewButton>}
    >
      {editing && (
        <ChannelModal channel={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
    </ListPage>
  );
}
