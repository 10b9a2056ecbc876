import type { ReactNode } from 'react';
import { Button, Group, VisuallyHidden } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import type { Column } from './DataTable.tsx';

/** The primary "New …" button of a page. */
export function NewButton({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <Button leftSection={<IconPlus size={16} />} onClick={onClick}>
      {children}
    </Button>
  );
}

export type RowAction<T> = {
  label: string;
  onClick: (row: T) => void;
  danger?: boolean;
  /** Leave the button out for some rows, e.g. deleting yourself. */
  hidden?: (row: T) => boolean;
};

/** The last table column: one small text button per action, e.g. "Edit", "Delete". */
export function actionsColumn<T>(actions: RowAction<T>[]): Column<T> {
  return {
    key: 'actions',
    header: <VisuallyHidden>Actions</VisuallyHidden>,
    render: (row) => (
      <Group gap={4} wrap="nowrap" justify="flex-end">
        {actions
          .filter((action) => !action.hidden?.(row))
          .map((action) => (
            <Button
              key={action.label}
              size="xs"
              variant="subtle"
              color={action.danger ? 'red' : undefined}
              onClick={() => action.onClick(row)}
            >
              {action.label}
            </Button>
          ))}
      </Group>
    ),
  };
}
