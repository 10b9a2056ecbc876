import { TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { CustomerCreateSchema, CustomerUpdateSchema } from '@trunkline/contracts';
import type { Customer, CustomerCreate } from '@trunkline/contracts';
import { channels } from '../../api/channels.ts';
import { customers } from '../../api/customers.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { canChooseChannel } from '../../auth/permissions.ts';
import { ChannelSelect } from '../../ui/EntitySelects.tsx';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodValidate } from '../../ui/form.ts';

type Values = {
  name: string;
  channelId: string | null;
};

/** Creates a customer (`customer` null) or renames one; provider admins also pick the channel. */
export function CustomerModal({ customer, onClose }: { customer: Customer | null; onClose: () => void }) {
  const chooseChannel = canChooseChannel(useCurrentUser());
  // A channel admin's customers always belong to their channel: the server sets it, so the body leaves it out.
  const toBody = (values: Values): CustomerCreate =>
    chooseChannel ? { name: values.name, channelId: values.channelId } : { name: values.name };

  const form = useForm<Values>({
    initialValues: { name: customer?.name ?? '', channelId: customer?.channelId ?? null },
    validate: zodValidate(customer ? CustomerUpdateSchema : CustomerCreateSchema, toBody),
  });
  const save = useFormMutation(form, {
    mutationFn: (body: CustomerCreate) =>
      customer ? customers.update(customer.id, body) : customers.create(body),
    invalidate: [customers.key, channels.key], // channels show customer counts
    successMessage: (saved) => `Customer ${saved.name} ${customer ? 'saved' : 'created'}.`,
    onSuccess: onClose,
  });

  return (
    <FormModal
      title={customer ? 'Edit customer' : 'New customer'}
      submitLabel={customer ? 'Save' : 'Create customer'}
      onClose={onClose}
      onSubmit={form.onSubmit((values) => save.mutate(toBody(values)))}
      submitting={save.isPending}
      alert={save.alert}
    >
      <TextInput label="Name" data-autofocus {...form.getInputProps('name')} />
      {chooseChannel && (
        <ChannelSelect
          label="Channel"
          description="Leave empty for a customer the provider serves directly."
          placeholder="No channel"
          clearable
          {...form.getInputProps('channelId')}
        />
      )}
    </FormModal>
  );
}
