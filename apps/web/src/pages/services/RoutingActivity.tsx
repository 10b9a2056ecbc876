import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { stepLabels, type Workflow } from '@trunkline/contracts';
import { Countdown } from '../../ui/Countdown.tsx';
import { StepRetries } from '../../ui/StepRetries.tsx';

const open = (w: Workflow) => w.status === 'running' || w.status === 'waiting' || w.status === 'failed';

/**
 * The routing runs under way for a customer's services, step by step, live (server-sent events): what each run
 * is doing or waiting for, and which failed.
 */
export function RoutingActivity({
  runs,
  names,
}: {
  /** The latest runs of the customer's services, from the page's event stream (useCustomerLive). */
  runs: Workflow[];
  /** Service id → full name, for the labels. */
  names: Record<string, string>;
}) {
  const shown = runs.filter(open);
  if (!shown.length) return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="routing-activity-title">
      <Stack gap="xs">
        <Title order={3} id="routing-activity-title">
          Routing under way
        </Title>
        {shown.map((w) => {
          const step = w.steps.find((s) => s.status !== 'succeeded' && s.status !== 'skipped');
          return (
            <Group key={w.id} justify="space-between" wrap="nowrap" align="flex-start">
              <div>
                <Text size="sm" fw={600} component={Link} to={`/services/${w.serviceId}`}>
                  {names[w.serviceId] ?? 'Service'} — {w.kind === 'onboard' ? 'default routing' : 'removal'}
                </Text>
                {step && (
                  <StepRetries key={step.name} retries={step.retries} stepLabel={stepLabels[step.name]}>
                    <Text size="sm">
                      {stepLabels[step.name]}: {step.lastError ?? step.message ?? step.status}
                    </Text>
                  </StepRetries>
                )}
                {/* A waiting step (Microsoft not ready yet, DNS, replication) counts down to its next check. */}
                {step?.status === 'waiting' && step.nextAttemptAt && (
                  <Countdown to={step.nextAttemptAt} label={`Attempt ${step.attempts + 1}: next check in`} />
                )}
              </div>
              <Badge color={w.status === 'failed' ? 'red' : w.status === 'waiting' ? 'yellow' : 'blue'}>
                {w.status}
              </Badge>
            </Group>
          );
        })}
      </Stack>
    </Paper>
  );
}
