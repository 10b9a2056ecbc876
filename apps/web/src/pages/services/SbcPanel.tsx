import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  List,
  Modal,
  Paper,
  Select,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { sbcKindLabels, sbcModelLabels, type SbcPlanPreview, type Workflow } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { sbcStep } from '../../api/sbcStep.ts';
import { sbcs } from '../../api/sbcs.ts';
import { services } from '../../api/services.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { may as mayDo } from '../../auth/permissions.ts';
import { blockedReason, may, type Lifecycle } from './lifecycle.tsx';

const sbcStateMeta: Record<Lifecycle['facets']['sbc'], { label: string; color: string }> = {
  'not-started': { label: 'Not configured', color: 'gray' },
  running: { label: 'Configuring', color: 'blue' },
  waiting: { label: 'Waiting', color: 'yellow' },
  failed: { label: 'Failed', color: 'red' },
  configured: { label: 'Configured', color: 'green' },
};

/** What the run will send and remove: the exact text in a code block, and the rows it touches. */
function PlanChanges({ plan }: { plan: SbcPlanPreview }) {
  if (plan.changes.length === 0)
    return (
      <Alert color="green" role="status">
        {plan.sbc.name} already holds the customer’s rows: a run would change nothing.
      </Alert>
    );
  return (
    <Stack gap="sm" aria-label="SBC plan preview">
      {plan.changes.map((c) => (
        <Stack key={`${c.action}-${c.objects.join(',')}`} gap={4}>
          <Group gap="xs">
            <Badge color={c.action === 'write' ? 'green' : 'red'} variant="light">
              {c.action === 'write' ? 'write' : 'remove'}
            </Badge>
            <Text size="sm" fw={600}>
              {c.format === 'ini' ? 'Incremental INI' : c.format === 'cli' ? 'CLI script' : 'Table rows'}
            </Text>
          </Group>
          <List size="sm" aria-label={c.action === 'write' ? 'Rows to write' : 'Rows to remove'}>
            {c.objects.map((o) => (
              <List.Item key={o}>{o}</List.Item>
            ))}
          </List>
          <Code block aria-label={c.action === 'write' ? 'Text to write' : 'Text to remove'}>
            {c.text}
          </Code>
        </Stack>
      ))}
    </Stack>
  );
}

/**
 * Configure SBC, after default routing: pick the SBC (the default preselected), confirm the number ranges,
 * preview the exact text the SBC will be sent, then start the "SBC only" run; its steps show live in the routing
 * panel above (the page's event stream).
 */
export function SbcPanel({
  service,
}: {
  service: { id: string; shortName: string; trunkFqdn: string; lifecycle: Lifecycle };
}) {
  const { lifecycle } = service;
  const me = useCurrentUser();
  const operator = mayDo(me, 'routing.configure');
  const queryClient = useQueryClient();
  const [picked, setPicked] = useState<string | null>(null);
  const [showPlan, setShowPlan] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const inventory = useQuery({ queryKey: sbcs.key, queryFn: sbcs.list, enabled: operator });
  const sbcId = picked ?? inventory.data?.items.find((s) => s.isDefault)?.id ?? null;
  const canConfigure = may(lifecycle, 'configure-sbc');
  const blocked = blockedReason(lifecycle, 'configure-sbc');
  const plan = useQuery({
    queryKey: sbcStep.previewKey(service.id, sbcId),
    queryFn: () => sbcStep.preview(service.id, sbcId),
    enabled: operator && showPlan,
  });
  const configure = useMutation({
    mutationFn: () => sbcStep.configure(service.id, sbcId),
    onSuccess: (w: Workflow) => {
      setConfirming(false);
      setShowPlan(false);
      queryClient.setQueryData(services.workflowKey(service.id), w);
      void queryClient.invalidateQueries({ queryKey: services.key });
    },
  });
  const state = sbcStateMeta[lifecycle.facets.sbc];
  const blockers = plan.data?.blocking ?? [];
  const options = (inventory.data?.items ?? []).map((s) => ({
    value: s.id,
    label: `${s.name} — ${sbcKindLabels[s.kind]}, ${sbcModelLabels[s.model]}${s.isDefault ? ' (default)' : ''}`,
  }));

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="sbc-panel-title" id="configure-sbc">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4} id="sbc-panel-title">
            SBC
          </Title>
          <Badge color={state.color} variant="light" aria-label="SBC state">
            {state.label}
          </Badge>
        </Group>
        <Text size="sm">
          The provider’s SBC learns the customer’s number ranges and writes {service.trunkFqdn} into the
          Contact host of calls toward Teams.
        </Text>
        {operator && (
          <>
            <Select
              label="SBC"
              placeholder={
                inventory.isPending ? 'Loading the SBCs…' : 'No SBC: add one under Settings → SBCs'
              }
              data={options}
              value={sbcId}
              onChange={(value) => {
                setPicked(value);
                setShowPlan(false);
              }}
              allowDeselect={false}
              disabled={options.length === 0}
              w={{ base: '100%', sm: 480 }}
            />
            {inventory.isError && (
              <Alert color="red" role="alert">
                {errorMessage(inventory.error)}
              </Alert>
            )}
            <Group>
              <Button variant="default" onClick={() => setShowPlan(true)} disabled={!sbcId}>
                Preview the plan
              </Button>
              <Anchor href="#number-ranges-title" size="sm">
                Number ranges
              </Anchor>
            </Group>
            {showPlan && plan.isPending && <Text c="dimmed">Reading the SBC…</Text>}
            {showPlan && plan.isError && (
              <Alert color="red" role="alert">
                {errorMessage(plan.error)}
              </Alert>
            )}
            {showPlan && plan.data && (
              <Stack gap="sm">
                <Text size="sm">
                  {plan.data.customerFqdn} on {plan.data.sbc.name}: at most {plan.data.sessionLimit}{' '}
                  concurrent session{plan.data.sessionLimit === 1 ? '' : 's'}.
                </Text>
                <div>
                  <Text size="sm" fw={600}>
                    Number ranges
                  </Text>
                  {plan.data.ranges.length ? (
                    <List size="sm" aria-label="Number ranges">
                      {plan.data.ranges.map((r) => (
                        <List.Item key={r}>{r}</List.Item>
                      ))}
                    </List>
                  ) : (
                    <Text size="sm" c="dimmed">
                      None yet.
                    </Text>
                  )}
                </div>
                {blockers.length > 0 && (
                  <Alert color="orange" title="The SBC cannot be configured yet" role="status">
                    <List type="ordered" size="sm" spacing={4}>
                      {blockers.map((b) => (
                        <List.Item key={`${b.row}-${b.reason}`}>
                          {b.reason}{' '}
                          <Text span size="sm" fw={600}>
                            Fix: {b.fix}
                          </Text>
                        </List.Item>
                      ))}
                    </List>
                  </Alert>
                )}
                {blockers.length === 0 && <PlanChanges plan={plan.data} />}
                {plan.data.foreign.length > 0 && (
                  <Alert color="orange" role="status">
                    Left alone (changed since Trunkline wrote them): {plan.data.foreign.join(', ')}
                  </Alert>
                )}
                {plan.data.warnings.map((warning) => (
                  <Alert key={warning} color="orange" role="status">
                    {warning}
                  </Alert>
                ))}
                {plan.data.notes.map((note) => (
                  <Text key={note} size="xs" c="dimmed">
                    {note}
                  </Text>
                ))}
                <Group>
                  <Button
                    onClick={() => setConfirming(true)}
                    disabled={!canConfigure || blockers.length > 0}
                    aria-describedby={!canConfigure ? 'sbc-configure-blocked' : undefined}
                  >
                    Configure SBC
                  </Button>
                  {!canConfigure && blocked && (
                    <Text size="sm" c="orange.8" id="sbc-configure-blocked">
                      {blocked}
                    </Text>
                  )}
                </Group>
              </Stack>
            )}
            {!showPlan && !canConfigure && blocked && (
              <Text size="sm" c="dimmed">
                {blocked}
              </Text>
            )}
          </>
        )}
      </Stack>
      <Modal opened={confirming} onClose={() => setConfirming(false)} title="Configure SBC">
        <Stack gap="sm">
          <Text size="sm">
            Write the rows of {service.shortName} on {plan.data?.sbc.name ?? 'the SBC'} now? Trunkline reads
            the SBC first and sends only what differs; Remove service takes them away again.
          </Text>
          {configure.isError && (
            <Alert color="red" role="alert">
              {errorMessage(configure.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
            <Button onClick={() => configure.mutate()} loading={configure.isPending} data-autofocus>
              Configure SBC
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}
