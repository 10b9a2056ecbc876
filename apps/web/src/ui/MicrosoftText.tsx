import { ActionIcon, CopyButton, Group, Stack, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { splitMicrosoftMessage } from './microsoft.ts';

/** A small copy-to-clipboard button for one value, saying "Copied" when done. */
export function CopyValue({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value} timeout={1500}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? 'Copied' : `Copy ${label}`} withArrow withinPortal>
          <ActionIcon
            variant="subtle"
            color={copied ? 'teal' : 'gray'}
            size="sm"
            onClick={copy}
            aria-label={`Copy ${label}`}
          >
            {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

/**
 * A message that may carry Microsoft's error: one line in plain words, and "Details" (the AADSTS code, trace id,
 * correlation id, timestamp and Microsoft's own text) behind a disclosure, each with a copy button.
 */
export function MicrosoftText({ text, extra }: { text: string; extra?: ReactNode }) {
  const { summary, details } = splitMicrosoftMessage(text);
  return (
    <Stack gap={4}>
      <Text size="sm">{summary}</Text>
      {extra}
      {details.length > 0 && (
        <details>
          <Text component="summary" size="xs" c="dimmed">
            Details
          </Text>
          <Stack gap={2} mt={4}>
            {details.map((d) => (
              <Group key={d.label} gap={4} wrap="nowrap" align="flex-start">
                <Text size="xs" c="dimmed" miw={110}>
                  {d.label}
                </Text>
                <Text size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {d.value}
                </Text>
                <CopyValue value={d.value} label={d.label} />
              </Group>
            ))}
          </Stack>
        </details>
      )}
    </Stack>
  );
}
