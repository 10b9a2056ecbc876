import { Alert, Button, CopyButton, Group, Modal, Stack, TextInput } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
import type { ApiTokenCreated } from '@trunkline/contracts';
import { formatDateTime } from '../../ui/format.ts';

/** The one time the secret is visible: the server keeps only its hash. */
export function TokenShownOnceModal({ token, onClose }: { token: ApiTokenCreated; onClose: () => void }) {
  return (
    <Modal opened onClose={onClose} title={`API token ${token.name} created`}>
      <Stack>
        <Alert color="yellow" icon={<IconAlertTriangle />} role="alert">
          Copy this token now and keep it somewhere safe. It will not be shown again. It expires on{' '}
          {formatDateTime(token.expiresAt)}.
        </Alert>
        <TextInput
          label="API token"
          value={token.token}
          readOnly
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          onFocus={(event) => event.currentTarget.select()}
          data-autofocus
        />
        <Group justify="flex-end">
          <CopyButton value={token.token}>
            {({ copied, copy }) => (
              <Button
                variant="light"
                color={copied ? 'green' : undefined}
                leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                onClick={copy}
              >
                {copied ? 'Copied' : 'Copy token'}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose}>Done</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
