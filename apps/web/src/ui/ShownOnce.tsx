import type { ReactNode } from 'react';
import { Alert, Button, CopyButton, Group, Stack } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';

/**
 * A secret the server keeps only as a hash, the one time it is visible: the warning, the secret (`children`), a
 * Copy button for `copyValue`, and the button that closes it.
 */
export function ShownOnce({
  title,
  warning,
  children,
  copyValue,
  copyLabel,
  doneLabel,
  onDone,
}: {
  title?: string;
  warning: ReactNode;
  children: ReactNode;
  copyValue: string;
  copyLabel: string;
  doneLabel: string;
  onDone?: () => void;
}) {
  return (
    <Stack>
      <Alert color="yellow" icon={<IconAlertTriangle />} role="alert" title={title}>
        {warning}
      </Alert>
      {children}
      <Group justify="flex-end">
        <CopyButton value={copyValue}>
          {({ copied, copy }) => (
            <Button
              variant="light"
              color={copied ? 'green' : undefined}
              leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
              onClick={copy}
            >
              {copied ? 'Copied' : copyLabel}
            </Button>
          )}
        </CopyButton>
        {onDone && <Button onClick={onDone}>{doneLabel}</Button>}
      </Group>
    </Stack>
  );
}
