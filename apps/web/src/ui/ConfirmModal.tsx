import type { ReactNode } from 'react';
import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { errorMessage } from '../api/client.ts';
import { useChangeDone } from './form.ts';
import type { ChangeOptions } from './form.ts';

type ConfirmModalProps = Omit<ChangeOptions<unknown>, 'onSuccess'> & {
  title: string;
  confirmLabel: string;
  /** The destructive call, run when the user confirms. */
  action: () => Promise<unknown>;
  onClose: () => void;
  children: ReactNode;
};

/** Asks before something destructive, then does it; focus starts on Cancel. Closes when done. */
export function ConfirmModal({ title, confirmLabel, action, onClose, children, ...done }: ConfirmModalProps) {
  const mutation = useMutation({
    mutationFn: action,
    onSuccess: useChangeDone({ ...done, onSuccess: onClose }),
  });
  return (
    <Modal opened onClose={onClose} title={title}>
      <Stack>
        <Text component="div">{children}</Text>
        {mutation.error && (
          <Alert color="red" role="alert">
            {errorMessage(mutation.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button color="red" onClick={() => mutation.mutate()} loading={mutation.isPending}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
