import { Alert, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { healthCheckLabels, type Service, type ServiceHealth } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { health as healthApi } from '../../api/health.ts';
import { services } from '../../api/services.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { may as mayDo } from '../../auth/permissions.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { HealthLightBadge } from './HealthLight.tsx';

/** Every difference of the latest check, as rows: check, object, expected, found. */
function DriftTable({ health }: { health: ServiceHealth }) {
  const rows = health.checks.flatMap((c) => c.drift.map((d) => ({ check: c.name, ...d })));
  return (
    <Table striped withTableBorder aria-label="What differs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Check</Table.Th>
          <Table.Th>Object</Table.Th>
          <Table.Th>Expected</Table.Th>
          <Table.Th>Found</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={`${r.check}-${r.object}`}>
            <Table.Td>{healthCheckLabels[r.check]}</Table.Td>
            <Table.Td>{r.object}</Table.Td>
            <Table.Td>{r.expected ?? '(nothing)'}</Table.Td>
            <Table.Td>{r.actual ?? '(nothing)'}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/**
 * The service's health: five traffic lights with their reasons, when it was last checked, Check now, and Repair
 * (re-runs the workflow) when a check shows drift. The page's event stream brings a new result's summary; the
 * full result is read again when it changes.
 */
export function HealthPanel({ service }: { service: Service }) {
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const key = healthApi.key(service.id);
  const query = useQuery({ queryKey: key, queryFn: () => healthApi.get(service.id) });
  // A newer result (the live service's summary) than the one shown: read it.
  const checkedAt = service.health?.checkedAt ?? null;
  const shown = query.data?.checkedAt ?? null;
  useEffect(() => {
    if (checkedAt && shown !== checkedAt && (!shown || checkedAt > shown))
      void queryClient.invalidateQueries({ queryKey: healthApi.key(service.id) });
  }, [checkedAt, shown, queryClient, service.id]);
  const check = useMutation({
    mutationFn: () => healthApi.check(service.id),
    onSuccess: (fresh) => queryClient.setQueryData(key, fresh),
  });
  const result = query.data ?? null;
  const operator = mayDo(me, 'routing.configure');

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="health-title">
      <Stack>
        <Group justify="space-between">
          <Group gap="sm">
            <Title order={3} id="health-title">
              Health
            </Title>
            {result && <HealthLightBadge light={result.overall} />}
          </Group>
          <Group>
            {operator && result?.drift && (
              <Button color="orange" onClick={() => setConfirm(true)}>
                Repair
              </Button>
            )}
            <Button variant="default" onClick={() => check.mutate()} loading={check.isPending}>
              Check now
            </Button>
          </Group>
        </Group>
        <Text size="sm" c="dimmed">
          {result ? `Last checked ${formatDateTime(result.checkedAt)}` : 'Not checked yet.'}
        </Text>
        {(check.error ?? query.error) && (
          <Alert color="red" role="alert">
            {errorMessage(check.error ?? query.error)}
          </Alert>
        )}
        {result && (
          <Table withTableBorder aria-label="Health checks">
            <Table.Tbody>
              {result.checks.map((c) => (
                <Table.Tr key={c.name}>
                  <Table.Td w={160}>
                    <Text size="sm" fw={600}>
                      {healthCheckLabels[c.name]}
                    </Text>
                  </Table.Td>
                  <Table.Td w={140}>
                    <HealthLightBadge light={c.light} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.reason}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {result?.drift && (
          <Stack gap="xs">
            <Text size="sm" fw={600}>
              Drift: what differs from what Trunkline configured
            </Text>
            <DriftTable health={result} />
          </Stack>
        )}
      </Stack>
      {confirm && (
        <ConfirmModal
          title="Repair service"
          confirmLabel="Repair"
          action={() => healthApi.repair(service.id)}
          invalidate={[services.workflowKey(service.id)]}
          successMessage={() => `Repair of ${service.fullName} started.`}
          onClose={() => setConfirm(false)}
        >
          Run the onboarding workflow of {service.fullName} again? It reads the DNS records, the tenant and
          the SBC and puts back only what differs from what Trunkline configured; the health is checked again
          when it finishes.
        </ConfirmModal>
      )}
    </Paper>
  );
}
