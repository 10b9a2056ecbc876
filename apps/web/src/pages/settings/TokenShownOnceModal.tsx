import { Modal, TextInput } from '@mantine/core';
import type { ApiTokenCreated } from '@trunkline/contracts';
import { formatDateTime } from '../../ui/format.ts';
import { ShownOnce } from '../../ui/ShownOnce.tsx';

/** The one time the secret is visible: the server keeps only its hash. */
export function TokenShownOnceModal({ token, onClose }: { token: ApiTokenCreated; onClose: () => void }) {
  return (
    <Modal opened onClose={onClose} title={`API token ${token.name} created`}>
      <ShownOnce
        warning={
          <>
            Copy this token now and keep it somewhere safe. It will not be shown again. It expires on{' '}
            {formatDateTime(token.expiresAt)}.
          </>
        }
        copyValue={token.token}
        copyLabel="Copy token"
        doneLabel="Done"
        onDone={onClose}
      >
        <TextInput
          label="API token"
          value={token.token}
          readOnly
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          onFocus={(event) => event.currentTarget.select()}
          data-autofocus
        />
      </ShownOnce>
    </Modal>
  );
}
