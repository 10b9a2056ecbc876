import type { FormEvent, ReactNode } from 'react';
import { Button, Group, Modal, Stack } from '@mantine/core';
import { FormAlert } from './FormAlert.tsx';

type FormModalProps = {
  title: string;
  submitLabel: string;
  onClose: () => void;
  onSubmit: (event?: FormEvent<HTMLFormElement>) => void;
  submitting: boolean;
  /** A message for the whole form, e.g. the server's problem detail. */
  alert: string | null;
  children: ReactNode;
};

/** A modal holding one form: Enter submits, Escape or Cancel closes. Mark the first field `data-autofocus`. */
export function FormModal({
  title,
  submitLabel,
  onClose,
  onSubmit,
  submitting,
  alert,
  children,
}: FormModalProps) {
  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={onSubmit} noValidate>
        <Stack>
          <FormAlert message={alert} />
          {children}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={submitting}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
