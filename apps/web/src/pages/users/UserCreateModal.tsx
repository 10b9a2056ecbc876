import { PasswordInput, Select, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { UserCreateSchema } from '@trunkline/contracts';
import type { Role, UserCreate } from '@trunkline/contracts';
import { users } from '../../api/users.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { creatableRoles } from '../../auth/permissions.ts';
import { ChannelSelect, CustomerSelect } from '../../ui/EntitySelects.tsx';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodValidate } from '../../ui/form.ts';
import { roleOptions } from './roleOptions.ts';

type Values = {
  email: string;
  name: string;
  role: Role;
  channelId: string | null;
  customerId: string | null;
  password: string;
};

/** Only the scope field of the chosen role goes into the body, so switching roles leaves nothing stale behind. */
const toBody = ({ channelId, customerId, ...values }: Values): UserCreate => ({
  ...values,
  ...(values.role === 'channel_admin' ? { channelId } : {}),
  ...(values.role === 'customer_admin' ? { customerId } : {}),
});

export function UserCreateModal({ onClose }: { onClose: () => void }) {
  const me = useCurrentUser();
  // A user creates users of their own role only inside their own channel or customer.
  const fixedChannel = me.role === 'channel_admin';
  const fixedCustomer = me.role === 'customer_admin';

  const form = useForm<Values>({
    initialValues: {
      email: '',
      name: '',
      role: 'customer_admin',
      channelId: fixedChannel ? me.channelId : null,
      customerId: fixedCustomer ? me.customerId : null,
      password: '',
    },
    validate: zodValidate(UserCreateSchema, toBody),
  });
  const create = useFormMutation(form, {
    mutationFn: users.create,
    invalidate: [users.key],
    successMessage: (user) => `User ${user.name} created.`,
    onSuccess: onClose,
  });
  const role = form.values.role;

  return (
    <FormModal
      title="New user"
      submitLabel="Create user"
      onClose={onClose}
      onSubmit={form.onSubmit((values) => create.mutate(toBody(values)))}
      submitting={create.isPending}
      alert={create.alert}
    >
      <TextInput
        label="Email"
        type="email"
        autoComplete="off"
        data-autofocus
        {...form.getInputProps('email')}
      />
      <TextInput label="Name" autoComplete="off" {...form.getInputProps('name')} />
      <Select
        label="Role"
        data={roleOptions(creatableRoles(me.role))}
        allowDeselect={false}
        {...form.getInputProps('role')}
      />
      {role === 'channel_admin' && (
        <ChannelSelect
          label="Channel"
          placeholder="Choose a channel"
          disabled={fixedChannel}
          {...form.getInputProps('channelId')}
        />
      )}
      {role === 'customer_admin' && (
        <CustomerSelect
          label="Customer"
          placeholder="Choose a customer"
          disabled={fixedCustomer}
          {...form.getInputProps('customerId')}
        />
      )}
      <PasswordInput
        label="Password"
        description="At least 12 characters. Share it with the user over a safe channel."
        autoComplete="new-password"
        {...form.getInputProps('password')}
      />
    </FormModal>
  );
}
