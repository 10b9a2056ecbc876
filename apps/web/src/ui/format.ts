import dayjs from 'dayjs';

export function formatDateTime(iso: string | null, never = 'Never'): string {
  return iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : never;
}
