import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';

/** When the browser will not let us write to the clipboard: the link to copy by hand. */
export function LinkModal({ link, onClose }: { link: string; onClose: () => void }) {
  return (
    <Modal opened onClose={onClose} title="Invitation link">
      <Stack>
        <Text size="sm">Copy this link and pass it to the IT administrator over a channel you trust.</Text>
        <TextInput
          label="Link"
          value={link}
          readOnly
          data-autofocus
          onFocus={(event) => event.currentTarget.select()}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <Group justify="flex-end">
          <Button onClick={onClose}>Done</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
