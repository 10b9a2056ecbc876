import { Group, Pagination, Text } from '@mantine/core';
import type { Page } from '@trunkline/contracts';

const controlLabels = {
  first: 'First page',
  previous: 'Previous page',
  next: 'Next page',
  last: 'Last page',
} as const;

export function Pager({ page, onChange }: { page: Page<unknown>; onChange: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const from = page.total === 0 ? 0 : (page.page - 1) * page.pageSize + 1;
  const to = Math.min(page.total, page.page * page.pageSize);
  return (
    <Group justify="space-between">
      <Text size="sm" c="dimmed">
        {page.total === 0 ? 'No entries' : `${from}–${to} of ${page.total}`}
      </Text>
      {pages > 1 && (
        <Pagination
          total={pages}
          value={page.page}
          onChange={onChange}
          getControlProps={(control) => ({ 'aria-label': controlLabels[control] })}
          aria-label="Pages"
        />
      )}
    </Group>
  );
}
