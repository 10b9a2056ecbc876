import { useState } from 'react';
import { Badge, Select } from '@mantine/core';
import { Roles, roleLabels } from '@trunkline/contracts';
import type { User } from '@trunkline/contracts';
import { users } from '../api/users.ts';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { actionsColumn, NewButton } from '../ui/actions.tsx';
import { ConfirmModal } from '../ui/ConfirmModal.tsx';
import type { Column } from '../ui/DataTable.tsx';
import { ListPage } from '../ui/ListPage.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { roleOptions } from './users/roleOptions.ts';
import { UserCreateModal } from './users/UserCreateModal.tsx';
import { UserEditModal } from './users/UserEditModal.tsx';
import { UserScope } from './users/UserScope.tsx';

type Dialog = { kind: 'create' } | { kind: 'edit'; user: User } | { kind: 'delete'; user: User } | null;

function StatusBadge({ user }: { user: User }) {
  return (
    <Badge color={user.disabled ? 'gray' : 'green'} variant="light">
      {user.disabled ? 'Disabled' : 'Active'}
    </Badge>
  );
}

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
    { key: 'status', header: 'Status', render: (u) => <StatusBadge user={u} /> },
    actionsColumn<User>([
      { label: 'Edit', onClick: (user) => setDialog({ kind: 'edit', user }) },
      {
        label: 'Delete',
        danger: true,
        onClick: (user) => setDialog({ kind: 'delete', user }),
        hidden: (u) => u.id === me.id,
      },
    ]),
  ];

  return (
    <ListPage
      title="Users"
      list={list}
      query={query}
      columns={columns}
      rowKey={(u) => u.id}
      emptyText="No users yet."
      actions={<NewButton onClick={() => setDialog({ kind: 'create' })}>New user</NewButton>}
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
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          title="Delete user"
          confirmLabel="Delete user"
          action={() => users.remove(dialog.user.id)}
          invalidate={[users.key]}
          successMessage={() => `User ${dialog.user.name} deleted.`}
          onClose={close}
        >
          Delete {dialog.user.name} ({dialog.user.email})? They can no longer sign in, and their API tokens
          stop working.
        </ConfirmModal>
      )}
    </ListPage>
  );
}
