import { TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { ChannelCreateSchema } from '@trunkline/contracts';
import type { Channel, ChannelCreate } from '@trunkline/contracts';
import { channels } from '../../api/channels.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodValidate } from '../../ui/form.ts';
import { notifySuccess } from '../../ui/notify.ts';

/** Creates a channel (`channel` null) or renames one. Create and update take the same body. */
export function ChannelModal({ channel, onClose }: { channel: Channel | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const form = useForm<ChannelCreate>({
    initialValues: { name: channel?.name ?? '' },
    validate: zodValidate(ChannelCreateSchema),
  });
  const save = useFormMutation(form, {
    mutationFn: (body: ChannelCreate) => (channel ? channels.update(channel.id, body) : channels.create(body)),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: channels.key });
      notifySuccess(channel ? `Channel ${saved.name} saved.` : `Channel ${saved.name} created.`);
      onClose();
    },
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
