import { Alert } from '@mantine/core';

/** A message for the whole form (e.g. the server's problem detail), when there is one. */
export function FormAlert({ message }: { message: string | null | undefined }) {
  return message ? (
    <Alert color="red" role="alert">
      {message}
    </Alert>
  ) : null;
}
