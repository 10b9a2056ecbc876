import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { sbcKindLabels, sbcModelLabels, type Sbc, type SbcTestResult } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { sbcs } from '../../api/sbcs.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { may } from '../../auth/permissions.ts';
import { actionsColumn, NewButton } from '../../ui/actions.tsx';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { DataTable, type Column } from '../../ui/DataTable.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { notifySuccess } from '../../ui/notify.ts';
import { SbcFormModal } from './SbcFormModal.tsx';
import { SbcTemplatesPanel } from './SbcTemplatesPanel.tsx';

type Dialog = { kind: 'add' } | { kind: 'edit'; sbc: Sbc } | { kind: 'delete'; sbc: Sbc } | null;

/** What Test connection read, in words: product, firmware, unsaved changes, HA state. */
function TestResult({ result }: { result: SbcTestResult }) {
  if (!result.ok)
    return (
      <Stack gap={2}>
        <Badge color="red" variant="light">
          Failed ({result.error})
        </Badge>
        <Text size="xs" c="dimmed">
          {result.message} — {formatDateTime(result.testedAt)}
        </Text>
      </Stack>
    );
  const facts = Object.entries(result.details).map(([k, v]) => `${k}: ${String(v)}`);
  return (
    <Stack gap={2}>
      <Badge color="green" variant="light">
        Reachable
      </Badge>
      <Text size="xs">
        {result.product}, firmware {result.version}
      </Text>
      {facts.length > 0 && (
        <Text size="xs" c="dimmed">
          {facts.join(' · ')}
        </Text>
      )}
    </Stack>
  );
}

function SbcList({ editable }: { editable: boolean }) {
  const query = useQuery({ queryKey: sbcs.key, queryFn: sbcs.list });
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [testError, setTestError] = useState<{ name: string; message: string } | null>(null);
  const close = () => setDialog(null);
  const test = useMutation({
    mutationFn: (sbc: Sbc) => sbcs.test(sbc.id),
    onMutate: () => setTestError(null),
    onSuccess: (result, sbc) => {
      if (result.ok) notifySuccess(`${sbc.name} answered: ${result.product}, firmware ${result.version}.`);
    },
    onError: (error, sbc) => setTestError({ name: sbc.name, message: errorMessage(error) }),
    // The result is stored either way: the list shows it.
    onSettled: () => void queryClient.invalidateQueries({ queryKey: sbcs.key }),
  });

  const columns: Column<Sbc>[] = [
    {
      key: 'name',
      header: 'Name',
      render: (s) => (
        <Stack gap={2}>
          <Group gap={6} wrap="nowrap">
            <Text fw={500}>{s.name}</Text>
            {s.isDefault && (
              <Badge size="sm" variant="light">
                Default
              </Badge>
            )}
          </Group>
          <Text size="xs" c="dimmed">
            {sbcKindLabels[s.kind]} · {sbcModelLabels[s.model]}
          </Text>
        </Stack>
      ),
    },
    {
      key: 'where',
      header: 'Carrier FQDN / addresses',
      render: (s) => (
        <Stack gap={2}>
          <Text size="sm">{s.carrierFqdn}</Text>
          <Text size="xs" c="dimmed">
            {s.addresses.join(', ')}
          </Text>
        </Stack>
      ),
    },
    {
      key: 'management',
      header: 'Management',
      render: (s) => (
        <Stack gap={2}>
          <Text size="sm" style={{ wordBreak: 'break-all' }}>
            {s.managementUrl}
          </Text>
          <Text size="xs" c={s.username && s.hasPassword ? 'dimmed' : 'orange'}>
            {s.username ? `User ${s.username}` : 'No user'}
            {s.hasPassword ? ', password stored' : ', no password'}
          </Text>
        </Stack>
      ),
    },
    {
      key: 'capacity',
      header: 'Capacity',
      render: (s) => (
        <Text size="xs">
          {s.serviceCount} service{s.serviceCount === 1 ? '' : 's'}
          {s.maxCustomers ? ` of ${s.maxCustomers}` : ''}
          <br />
          {s.maxSessions ? `${s.maxSessions} sessions` : 'No session cap'} · {s.sessionsPerUser} per user
        </Text>
      ),
    },
    {
      key: 'test',
      header: 'Last test',
      render: (s) => (
        <Stack gap={4}>
          {s.lastTest ? <TestResult result={s.lastTest} /> : <Text size="xs">Never tested</Text>}
          <Text size="xs" c="dimmed">
            Last contact: {formatDateTime(s.lastContactAt)}
          </Text>
          {editable && (
            <Button
              size="xs"
              variant="light"
              w="fit-content"
              loading={test.isPending && test.variables.id === s.id}
              onClick={() => test.mutate(s)}
            >
              Test connection
            </Button>
          )}
        </Stack>
      ),
    },
    ...(editable
      ? [
          actionsColumn<Sbc>([
            { label: 'Edit', onClick: (sbc) => setDialog({ kind: 'edit', sbc }) },
            { label: 'Delete', danger: true, onClick: (sbc) => setDialog({ kind: 'delete', sbc }) },
          ]),
        ]
      : []),
  ];

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text size="sm" c="dimmed" maw={720}>
          The SBCs that carry the customers’ calls. Each service’s DNS records point at its SBC’s public
          addresses, and the Configure SBC step writes the customer’s rows on it (new services: the default
          SBC). Credentials are stored encrypted and never shown.
        </Text>
        {editable && <NewButton onClick={() => setDialog({ kind: 'add' })}>Add SBC</NewButton>}
      </Group>
      {testError && (
        <Alert color="red" role="alert" title={`Test connection to ${testError.name} failed`}>
          {testError.message}
        </Alert>
      )}
      <DataTable
        columns={columns}
        rows={query.data?.items}
        rowKey={(s) => s.id}
        loading={query.isFetching}
        error={query.error}
        emptyText={editable ? 'No SBC yet: add the SBC your customers’ calls go through.' : 'No SBC yet.'}
      />
      {dialog?.kind === 'add' && <SbcFormModal sbc={null} onClose={close} />}
      {dialog?.kind === 'edit' && <SbcFormModal sbc={dialog.sbc} onClose={close} />}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          title="Delete SBC"
          confirmLabel="Delete SBC"
          action={() => sbcs.remove(dialog.sbc.id)}
          invalidate={[sbcs.key]}
          successMessage={() => `SBC ${dialog.sbc.name} deleted.`}
          onClose={close}
        >
          Delete the SBC {dialog.sbc.name} from Trunkline? Nothing on the device changes. An SBC that services
          use cannot be deleted.
        </ConfirmModal>
      )}
    </Stack>
  );
}

/** Settings → SBCs: the inventory and the templates. Provider admins change them; channel admins read. */
export function SbcsSection() {
  const editable = may(useCurrentUser(), 'sbcs.manage');
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="sbcs-title">
      <Stack>
        <Group gap="xs">
          <Title order={3} id="sbcs-title">
            SBCs
          </Title>
          {!editable && (
            <Badge color="gray" variant="light">
              Read only
            </Badge>
          )}
        </Group>
        <Tabs defaultValue="inventory" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="inventory">Inventory</Tabs.Tab>
            <Tabs.Tab value="templates">Templates</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="inventory" pt="md">
            <SbcList editable={editable} />
          </Tabs.Panel>
          <Tabs.Panel value="templates" pt="md">
            <SbcTemplatesPanel editable={editable} />
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </Paper>
  );
}
