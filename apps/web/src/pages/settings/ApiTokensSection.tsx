import { useState } from 'react';
import { Button, Group, Paper, Stack, Text, Title, VisuallyHidden } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { ApiTokenCreated } from '@trunkline/contracts';
import { apiTokens } from '../../api/apiTokens.ts';
import type { ApiToken } from '../../api/apiTokens.ts';
import { DataTable } from '../../ui/DataTable.tsx';
import type { Column } from '../../ui/DataTable.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { TokenCreateModal } from './TokenCreateModal.tsx';
import { TokenRevokeModal } from './TokenRevokeModal.tsx';
import { TokenShownOnceModal } from './TokenShownOnceModal.tsx';

type Dialog = { kind: 'create' } | { kind: 'created'; token: ApiTokenCreated } | { kind: 'revoke'; token: ApiToken } | null;

export function ApiTokensSection() {
  const query = useQuery({ queryKey: apiTokens.key, queryFn: apiTokens.list });
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);

  const columns: Column<ApiToken>[] = [
    { key: 'name', header: 'Name', render: (t) => t.name },
    { key: 'created', header: 'Created', render: (t) => formatDateTime(t.createdAt) },
    { key: 'lastUsed', header: 'Last used', render: (t) => formatDateTime(t.lastUsedAt) },
    {
      key: 'actions',
      header: <VisuallyHidden>Actions</VisuallyHidden>,
      render: (t) => (
        <Button size="xs" variant="subtle" color="red" onClick={() => setDialog({ kind: 'revoke', token: t })}>
          Revoke
        </Button>
      ),
    },
  ];

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="api-tokens-title">
      <Stack>
        <Group justify="space-between">
          <Title order={3} id="api-tokens-title">
            API tokens
          </Title>
          <Button leftSection={<IconPlus size={16} />} onClick={() => setDialog({ kind: 'create' })}>
            New API token
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          Scripts and other systems call the Trunkline API with an API token instead of your password. Revoke a token
          as soon as it is no longer needed.
        </Text>
        <DataTable
          columns={columns}
          rows={query.data?.items}
          rowKey={(t) => t.id}
          loading={query.isFetching}
          error={query.error}
          emptyText="No API tokens yet."
        />
      </Stack>
      {dialog?.kind === 'create' && (
        <TokenCreateModal onClose={close} onCreated={(token) => setDialog({ kind: 'created', token })} />
      )}
      {dialog?.kind === 'created' && <TokenShownOnceModal token={dialog.token} onClose={close} />}
      {dialog?.kind === 'revoke' && <TokenRevokeModal token={dialog.token} onClose={close} />}
    </Paper>
  );
}
