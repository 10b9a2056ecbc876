import { PasswordInput, Switch, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { UserUpdateSchema } from '@trunkline/contracts';
import type { User, UserUpdate } from '@trunkline/contracts';
import { users } from '../../api/users.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodValidate } from '../../ui/form.ts';

type Values = {
  name: string;
  password: string;
  disabled: boolean;
};

export function UserEditModal({ user, onClose }: { user: User; onClose: () => void }) {
  /** Sends only what changed; an empty password field keeps the current password. */
  const toBody = (values: Values): UserUpdate => ({
    ...(values.name !== user.name ? { name: values.name } : {}),
    ...(values.password ? { password: values.password } : {}),
    ...(values.disabled !== user.disabled ? { disabled: values.disabled } : {}),
  });

  const form = useForm<Values>({
    initialValues: { name: user.name, password: '', disabled: user.disabled },
    validate: zodValidate(UserUpdateSchema, toBody),
  });
  const save = useFormMutation(form, {
    mutationFn: (body: UserUpdate) => users.update(user.id, body),
    invalidate: [users.key],
    successMessage: (saved) => `User ${saved.name} saved.`,
    onSuccess: onClose,
  });

  return (
    <FormModal
      title={`Edit ${user.email}`}
      submitLabel="Save"
      onClose={onClose}
      onSubmit={form.onSubmit((values) => save.mutate(toBody(values)))}
      submitting={save.isPending}
      alert={save.alert}
    >
      <TextInput label="Name" data-autofocus {...form.getInputProps('name')} />
      <PasswordInput
        label="New password"
        description="Leave empty to keep the current password."
        autoComplete="new-password"
        {...form.getInputProps('password')}
      />
      <Switch
        label="Disabled"
        description="A disabled user cannot sign in or use API tokens."
        {...form.getInputProps('disabled', { type: 'checkbox' })}
      />
    </FormModal>
  );
}
