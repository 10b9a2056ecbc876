import { TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ChannelCreateSchema } from '@trunkline/contracts';
import type { Channel, ChannelCreate } from '@trunkline/contracts';
import { channels } from '../../api/channels.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodValidate } from '../../ui/form.ts';

/** Creates a channel (`channel` null) or renames one. Create and update take the same body. */
export function ChannelModal({ channel, onClose }: { channel: Channel | null; onClose: () => void }) {
  const form = useForm<ChannelCreate>({
    initialValues: { name: channel?.name ?? '' },
    validate: zodValidate(ChannelCreateSchema),
  });
  const save = useFormMutation(form, {
    mutationFn: (body: ChannelCreate) =>
      channel ? channels.update(channel.id, body) : channels.create(body),
    invalidate: [channels.key],
    successMessage: (saved) => `Channel ${saved.name} ${channel ? 'saved' : 'created'}.`,
    onSuccess: onClose,
  });

  return (
    <FormModal
      title={channel ? 'Rename channel' : 'New channel'}
      submitLabel={channel ? 'Save' : 'Create channel'}
      onClose={onClose}
      onSubmit={form.onSubmit((values) => save.mutate(values))}
      submitting={save.isPending}
      alert={save.alert}
    >
      <TextInput label="Name" data-autofocus {...form.getInputProps('name')} />
    </FormModal>
  );
}
