import { useState } from 'react';
import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ApiTokenCreated } from '@trunkline/contracts';
import { apiTokens } from '../../api/apiTokens.ts';
import type { ApiToken } from '../../api/apiTokens.ts';
import { actionsColumn, NewButton } from '../../ui/actions.tsx';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { DataTable } from '../../ui/DataTable.tsx';
import type { Column } from '../../ui/DataTable.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { TokenCreateModal } from './TokenCreateModal.tsx';
import { TokenShownOnceModal } from './TokenShownOnceModal.tsx';

type Dialog =
  | { kind: 'create' }
  | { kind: 'created'; token: ApiTokenCreated }
  | { kind: 'revoke'; token: ApiToken }
  | null;

export function ApiTokensSection() {
  const query = useQuery({ queryKey: apiTokens.key, queryFn: apiTokens.list });
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);

  const columns: Column<ApiToken>[] = [
    { key: 'name', header: 'Name', render: (t) => t.name },
    { key: 'created', header: 'Created', render: (t) => formatDateTime(t.createdAt) },
    {
      key: 'expires',
      header: 'Expires',
      render: (t) =>
        Date.parse(t.expiresAt) <= Date.now() ? (
          <Badge color="gray" variant="light">
            Expired {formatDateTime(t.expiresAt)}
          </Badge>
        ) : (
          formatDateTime(t.expiresAt)
        ),
    },
    {
      key: 'lastUsed',
      header: 'Last used',
      render: (t) =>
        t.lastUsedAt
          ? `${formatDateTime(t.lastUsedAt)} from ${t.lastUsedIp ?? 'an unknown address'}`
          : 'Never',
    },
    actionsColumn<ApiToken>([
      { label: 'Revoke', danger: true, onClick: (token) => setDialog({ kind: 'revoke', token }) },
    ]),
  ];

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="api-tokens-title">
      <Stack>
        <Group justify="space-between">
          <Title order={3} id="api-tokens-title">
            API tokens
          </Title>
          <NewButton onClick={() => setDialog({ kind: 'create' })}>New API token</NewButton>
        </Group>
        <Text size="sm" c="dimmed">
          Scripts and other systems call the Trunkline API with an API token instead of your password. Tokens
          expire (90 days unless you choose otherwise) and are revoked when an admin resets your password or
          disables your account. Revoke a token as soon as it is no longer needed.
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
      {dialog?.kind === 'revoke' && (
        <ConfirmModal
          title="Revoke API token"
          confirmLabel="Revoke token"
          action={() => apiTokens.revoke(dialog.token.id)}
          invalidate={[apiTokens.key]}
          successMessage={() => `API token ${dialog.token.name} revoked.`}
          onClose={close}
        >
          Revoke the API token {dialog.token.name}? Anything still using it will be refused from now on.
        </ConfirmModal>
      )}
    </Paper>
  );
}
