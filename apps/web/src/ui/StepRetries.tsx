import { Badge, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import { useId, useState, type ReactNode } from 'react';
import { MicrosoftText } from './MicrosoftText.tsx';
import {
  describeRetry,
  formatRetryTime,
  retryCount,
  retrySummary,
  type RetryKind,
  type StepRetry,
} from './stepRetries.ts';

const kindColor: Record<RetryKind, string> = {
  throttled: 'orange',
  failure: 'red',
  token: 'violet',
  wait: 'yellow',
  other: 'gray',
};

/**
 * A step's line (`children`, e.g. "2 attempts · started …") with its retry count beside it ("3 retries", a
 * disclosure button), and the history underneath when opened: when, what kind (throttled with Microsoft's
 * Retry-After, passing failure, wait, token re-acquired) and why, Microsoft's text with its details. A step
 * without retries shows its line alone, as before.
 */
export function StepRetries({
  retries,
  stepLabel,
  children,
}: {
  retries: readonly StepRetry[];
  /** Names the step for assistive technology ("3 retries of DNS records for the derived trunk"). */
  stepLabel: string;
  children?: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  if (retries.length === 0) return <>{children}</>;
  const entries = retries.map(describeRetry);
  const count = retryCount(entries.length);
  const Chevron = open ? IconChevronDown : IconChevronRight;
  return (
    <>
      <Group gap={6} wrap="wrap" align="center">
        {children}
        <UnstyledButton
          onClick={() => setOpen((o) => !o)}
          aria-expanded={open}
          aria-controls={listId}
          aria-label={`${count} of ${stepLabel}`}
          title={retrySummary(entries)}
          data-retries={entries.length}
        >
          <Group gap={2} wrap="nowrap">
            <Chevron size={12} aria-hidden />
            <Text size="xs" c="orange.8" td="underline" span>
              {count}
            </Text>
          </Group>
        </UnstyledButton>
      </Group>
      <div id={listId} hidden={!open}>
        {open && (
          <Stack gap={4} mt={4}>
            <Text size="xs" c="dimmed">
              {retrySummary(entries)}; oldest first (the newest 50 are kept)
            </Text>
            <Stack
              gap={6}
              component="ol"
              aria-label={`Retries of ${stepLabel}`}
              p={0}
              m={0}
              style={{ listStyle: 'none' }}
            >
              {entries.map((e, i) => (
                <Stack key={`${e.at}-${i}`} gap={2} component="li" data-retry-kind={e.kind}>
                  <Group gap={6} wrap="wrap">
                    <Text size="xs" c="dimmed" component="time" dateTime={e.at}>
                      {formatRetryTime(e.at)}
                    </Text>
                    <Badge size="xs" variant="light" color={kindColor[e.kind]}>
                      {e.label}
                    </Badge>
                  </Group>
                  {e.kind === 'wait' ? <Text size="sm">{e.text}</Text> : <MicrosoftText text={e.text} />}
                </Stack>
              ))}
            </Stack>
          </Stack>
        )}
      </div>
    </>
  );
}
