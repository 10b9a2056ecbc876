import { Alert, Button, CopyButton, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';

/** Recovery codes, the one time they are visible: the server keeps only their hashes. */
export function RecoveryCodesShownOnce({ codes, onDone }: { codes: string[]; onDone?: () => void }) {
  return (
    <Stack>
      <Alert color="yellow" icon={<IconAlertTriangle />} role="alert" title="Save your recovery codes">
        Each code signs you in once if you lose your authenticator app. Keep them somewhere safe; they will
        not be shown again.
      </Alert>
      <SimpleGrid cols={2} spacing="xs" role="list" aria-label="Recovery codes">
        {codes.map((c) => (
          <Text key={c} ff="monospace" size="sm" role="listitem">
            {c}
          </Text>
        ))}
      </SimpleGrid>
      <Group justify="flex-end">
        <CopyButton value={codes.join('\n')}>
          {({ copied, copy }) => (
            <Button
              variant="light"
              color={copied ? 'green' : undefined}
              leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
              onClick={copy}
            >
              {copied ? 'Copied' : 'Copy codes'}
            </Button>
          )}
        </CopyButton>
        {onDone && <Button onClick={onDone}>I have saved them</Button>}
      </Group>
    </Stack>
  );
}
