import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  List,
  Paper,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { stepLabels, type PlanChange, type Workflow, type WorkflowStep } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { services } from '../../api/services.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { may as mayDo } from '../../auth/permissions.ts';
import { formatDateTime } from '../../ui/format.ts';
import { MicrosoftText } from '../../ui/MicrosoftText.tsx';
import { blockedReason, may, type Lifecycle } from './lifecycle.tsx';
import { RemoveServiceModal } from './RemoveServiceModal.tsx';
import { StepHeading } from './StepHeading.tsx';
import { Countdown } from '../../ui/Countdown.tsx';
import { StepRetries } from '../../ui/StepRetries.tsx';

/** States before the first run in which the set-up shows, its start disabled with the reason. */
const SETUP_STATES = new Set<Lifecycle['state']>(['checking-role', 'role-missing', 'settings-needed']);

const actionColor: Record<PlanChange['action'], string> = {
  create: 'green',
  update: 'blue',
  delete: 'red',
  none: 'gray',
};
const stepColor: Record<WorkflowStep['status'], string> = {
  pending: 'gray',
  running: 'blue',
  waiting: 'yellow',
  succeeded: 'green',
  failed: 'red',
  skipped: 'gray',
};

/** The routing run; the page's event stream (useServiceLive) keeps it current. */
function useWorkflow(serviceId: string) {
  return useQuery({
    queryKey: services.workflowKey(serviceId),
    queryFn: () => services.workflow(serviceId),
  });
}

function PlanTable({ changes }: { changes: PlanChange[] }) {
  return (
    <Table striped withTableBorder aria-label="Plan preview">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Where</Table.Th>
          <Table.Th>Object</Table.Th>
          <Table.Th>Name</Table.Th>
          <Table.Th>Change</Table.Th>
          <Table.Th>Detail</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {changes.map((c) => (
          <Table.Tr key={`${c.area}-${c.object}-${c.identity}`}>
            <Table.Td>
              {c.area === 'dns' ? 'DNS' : c.area === 'tenant' ? 'Tenant' : c.area === 'sbc' ? 'SBC' : 'Teams'}
            </Table.Td>
            <Table.Td>{c.object}</Table.Td>
            <Table.Td>{c.identity}</Table.Td>
            <Table.Td>
              <Badge color={actionColor[c.action]} variant="light">
                {c.action === 'none' ? 'no change' : c.action}
              </Badge>
            </Table.Td>
            <Table.Td>{c.detail}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Steps({ workflow }: { workflow: Workflow }) {
  return (
    <Stack gap="xs" aria-label="Routing steps">
      {workflow.steps.map((s) => (
        <Paper key={s.name} withBorder p="xs" data-step={s.name}>
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm" fw={600}>
              {stepLabels[s.name]}
            </Text>
            <Badge color={stepColor[s.status]} variant="light">
              {s.status}
            </Badge>
          </Group>
          {s.message && <Text size="sm">{s.message}</Text>}
          {s.lastError && (
            <Text size="sm" c="red.7">
              {s.lastError}
            </Text>
          )}
          {/* Every retry of the step (throttled, passing failure, wait, token), counted beside its attempts. */}
          <StepRetries retries={s.retries} stepLabel={stepLabels[s.name]}>
            <Text size="xs" c="dimmed">
              {s.attempts} attempt{s.attempts === 1 ? '' : 's'}
              {s.startedAt && ` · started ${formatDateTime(s.startedAt)}`}
              {s.finishedAt && ` · finished ${formatDateTime(s.finishedAt)}`}
              {s.status === 'waiting' &&
                s.nextAttemptAt &&
                ` · next check ${formatDateTime(s.nextAttemptAt)}`}
            </Text>
          </StepRetries>
          {s.status === 'waiting' && s.nextAttemptAt && <Countdown to={s.nextAttemptAt} />}
        </Paper>
      ))}
    </Stack>
  );
}

/**
 * Step 10, default routing: the plan preview computed from the actual state, then the durable run with live
 * progress, Retry from a failed step, and Remove service (the inverse run, confirmed by the short name).
 */
export function RoutingPanel({
  service,
}: {
  service: { id: string; shortName: string; fullName: string; trunkFqdn: string; lifecycle: Lifecycle };
}) {
  const { lifecycle } = service;
  const me = useCurrentUser();
  const operator = mayDo(me, 'routing.configure');
  const queryClient = useQueryClient();
  const [configureDns, setConfigureDns] = useState(true);
  const [showPlan, setShowPlan] = useState(false);
  const [removing, setRemoving] = useState(false);
  const workflow = useWorkflow(service.id);
  // The set-up (preview, then start) shows whenever starting is allowed, or blocked only by something still to
  // do before the first run (role, settings): then the button is disabled and says why.
  const startBlocked = blockedReason(lifecycle, 'configure-routing');
  const canStart = may(lifecycle, 'configure-routing');
  const showSetup = operator && (canStart || (SETUP_STATES.has(lifecycle.state) && startBlocked !== null));
  const plan = useQuery({
    // Read again when starting becomes allowed (the role assigned, step 9 saved), and only while the set-up
    // shows: a preview reads Microsoft, and never needs to while a run or a role check works.
    queryKey: [...services.planKey(service.id, configureDns), canStart],
    queryFn: () => services.plan(service.id, configureDns),
    enabled: showPlan && showSetup,
  });
  const done = (w: Workflow) => {
    queryClient.setQueryData(services.workflowKey(service.id), w);
    // Not the plan preview: it reads Microsoft, which the run now uses.
    void queryClient.invalidateQueries({
      queryKey: services.key,
      predicate: (query) => query.queryKey[2] !== 'routing-plan',
    });
  };
  const start = useMutation({
    mutationFn: () => services.startRouting(service.id, configureDns),
    onSuccess: done,
  });
  const retry = useMutation({ mutationFn: () => services.retryRouting(service.id), onSuccess: done });

  const w = workflow.data;
  const removed = lifecycle.state === 'removed';
  const blockers = plan.data?.blocking ?? [];
  const startDisabled = !canStart || blockers.length > 0;
  const removeBlocked = blockedReason(lifecycle, 'remove');

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="routing-panel-title">
      <Stack gap="sm">
        <StepHeading id="routing-panel-title" title="Default routing" step={10} />
        {w && (
          <>
            <Group gap="sm">
              <Text size="sm">
                {w.kind === 'offboard'
                  ? 'Remove service'
                  : w.scope === 'sbc'
                    ? 'Configure SBC'
                    : w.scope === 'routing+sbc'
                      ? 'Configure M365 default routing and SBC'
                      : 'Configure M365 default routing'}{' '}
                — started {formatDateTime(w.createdAt)}
              </Text>
              <Badge
                color={w.status === 'succeeded' ? 'green' : w.status === 'failed' ? 'red' : 'blue'}
                aria-label="Routing run status"
              >
                {w.status}
              </Badge>
            </Group>
            <Steps workflow={w} />
            {operator && may(lifecycle, 'retry') && (
              <Group>
                <Button onClick={() => retry.mutate()} loading={retry.isPending}>
                  Retry
                </Button>
                {retry.isError && <Text c="red">{errorMessage(retry.error)}</Text>}
              </Group>
            )}
          </>
        )}
        {showSetup && (
          <Stack gap="sm">
            <Text size="sm">
              Configure the derived trunk {service.trunkFqdn} in the customer tenant: DNS, domain, activation
              user, PSTN usage, voice route and voice routing policy. Or go on with the SBC configuration.
            </Text>
            <Checkbox
              label="Also configure the DNS server"
              checked={configureDns}
              onChange={(e) => setConfigureDns(e.currentTarget.checked)}
            />
            <Group>
              <Button variant="default" onClick={() => setShowPlan(true)}>
                Preview the plan
              </Button>
              <Anchor href={services.powershellUrl(service.id)} size="sm">
                Download as PowerShell
              </Anchor>
              {lifecycle.facets.sbc === 'not-started' && (
                <Button component="a" href="#configure-sbc" variant="subtle">
                  Next: Configure SBC
                </Button>
              )}
            </Group>
            {showPlan && plan.isPending && <Text c="dimmed">Reading the actual state…</Text>}
            {plan.isError && (
              <Alert color="red" role="alert">
                {errorMessage(plan.error)}
              </Alert>
            )}
            {showPlan && plan.data && (
              <>
                <PlanTable changes={plan.data.changes} />
                {plan.data.warnings.map((warning) => (
                  <Alert key={warning} color="orange" role="status">
                    {warning}
                  </Alert>
                ))}
                {startDisabled && (
                  <div aria-label="Why the run cannot start">
                    <Alert color="orange" title="The run cannot start yet" role="status">
                      <List type="ordered" size="sm" spacing={4}>
                        {blockers.map((b) => (
                          <List.Item key={`${b.row}-${b.reason}`}>
                            <MicrosoftText
                              text={b.reason}
                              extra={
                                <Text size="sm" fw={600}>
                                  Fix: {b.fix}
                                </Text>
                              }
                            />
                          </List.Item>
                        ))}
                        {blockers.length === 0 && startBlocked && <List.Item>{startBlocked}</List.Item>}
                      </List>
                    </Alert>
                  </div>
                )}
                <Group>
                  <Button
                    onClick={() => start.mutate()}
                    loading={start.isPending}
                    disabled={startDisabled}
                    aria-describedby={startDisabled ? 'routing-start-blocked' : undefined}
                  >
                    Configure M365 default routing
                  </Button>
                  {startDisabled && (
                    <Text size="sm" c="orange.8" id="routing-start-blocked">
                      {blockers[0] ? blockers[0].fix : startBlocked}
                    </Text>
                  )}
                </Group>
              </>
            )}
            {start.isError && (
              <Alert color="red" role="alert">
                {errorMessage(start.error)}
              </Alert>
            )}
          </Stack>
        )}
        {operator && (may(lifecycle, 'remove') || removeBlocked) && !removed && (
          <Group justify="flex-end">
            {removeBlocked && (
              <Text size="sm" c="dimmed">
                {removeBlocked}
              </Text>
            )}
            <Button
              color="red"
              variant="light"
              disabled={!may(lifecycle, 'remove')}
              onClick={() => setRemoving(true)}
            >
              Remove service
            </Button>
          </Group>
        )}
        {removed && <Alert color="gray">The service was removed from the tenant and from DNS.</Alert>}
      </Stack>
      {removing && (
        <RemoveServiceModal service={service} onClose={() => setRemoving(false)} onStarted={done} />
      )}
    </Paper>
  );
}
