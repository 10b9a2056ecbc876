import { notifications } from '@mantine/notifications';
import { errorMessage } from '../api/client.ts';

export function notifySuccess(message: string): void {
  notifications.show({ color: 'green', message });
}

export function notifyError(error: unknown): void {
  notifications.show({ color: 'red', title: 'That did not work', message: errorMessage(error) });
}
