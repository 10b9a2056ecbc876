import { useState } from 'react';
import { Badge, Button, Group, Select, VisuallyHidden } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { Roles, roleLabels } from '@trunkline/contracts';
import type { User } from '@trunkline/contracts';
import { users } from '../api/users.ts';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import type { Column } from '../ui/DataTable.tsx';
import { ListPage } from '../ui/ListPage.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { roleOptions } from './users/roleOptions.ts';
import { UserCreateModal } from './users/UserCreateModal.tsx';
import { UserDeleteModal } from './users/UserDeleteModal.tsx';
import { UserEditModal } from './users/UserEditModal.tsx';
import { UserScope } from './users/UserScope.tsx';

type Dialog = { kind: 'create' } | { kind: 'edit'; user: User } | { kind: 'delete'; user: User } | null;

export function UsersPage() {
  const me = useCurrentUser();
  const list = useListParams(['role']);
  const query = usePagedQuery(users, list.params);
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);

  const columns: Column<User>[] = [
    { key: 'name', header: 'Name', render: (u) => u.name },
    { key: 'email', header: 'Email', render: (u) => u.email },
    { key: 'role', header: 'Role', render: (u) => roleLabels[u.role] },
    { key: 'scope', header: 'Scope', render: (u) => <UserScope user={u} /> },
    { key: 'lastLogin', header: 'Last login', render: (u) => formatDateTime(u.lastLoginAt) },
    {
      key: 'status',
      header: 'Status',
      render: (u) =>
        u.disabled ? (
          <Badge color="gray" variant="light">
            Disabled
          </Badge>
        ) : (
          <Badge color="green" variant="light">
            Active
          </Badge>
        ),
    },
    {
      key: 'actions',
      header: <VisuallyHidden>Actions</VisuallyHidden>,
      render: (u) => (
        <Group gap={4} wrap="nowrap">
          <Button size="xs" variant="subtle" onClick={() => setDialog({ kind: 'edit', user: u })}>
            Edit
          </Button>
          {u.id !== me.id && (
            <Button size="xs" variant="subtle" color="red" onClick={() => setDialog({ kind: 'delete', user: u })}>
              Delete
            </Button>
          )}
        </Group>
      ),
    },
  ];

  return (
    <ListPage
      title="Users"
      list={list}
      query={query}
      columns={columns}
      rowKey={(u) => u.id}
      emptyText="No users yet."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setDialog({ kind: 'create' })}>
          New user
        </Button>
      }
      filters={
        <Select
          label="Filter by role"
          placeholder="All roles"
          clearable
          w={200}
          data={roleOptions(Roles)}
          value={list.filter('role')}
          onChange={(value) => list.setFilter('role', value)}
        />
      }
    >
      {dialog?.kind === 'create' && <UserCreateModal onClose={close} />}
      {dialog?.kind === 'edit' && <UserEditModal user={dialog.user} onClose={close} />}
      {dialog?.kind === 'delete' && <UserDeleteModal user={dialog.user} onClose={close} />}
    </ListPage>
  );
}
