import { useState } from 'react';
import { Button, Menu } from '@mantine/core';
import { IconChevronDown, IconPlus } from '@tabler/icons-react';
import { SelectCustomerModal } from './SelectCustomerModal.tsx';

/** "Add Service" ▸ "Direct Routing" ▸ choose the customer ▸ the customer's onboarding view. */
export function AddServiceMenu() {
  const [choosing, setChoosing] = useState(false);
  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button leftSection={<IconPlus size={16} />} rightSection={<IconChevronDown size={16} />}>
            Add Service
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => setChoosing(true)}>Direct Routing</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {choosing && <SelectCustomerModal onClose={() => setChoosing(false)} />}
    </>
  );
}
