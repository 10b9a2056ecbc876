import { Checkbox, PasswordInput, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { AdminAuthSchema, type AdminAuth, type ServiceCreated } from '@trunkline/contracts';
import { services } from '../../api/services.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodValidate } from '../../ui/form.ts';

type Values = { sendInvite: boolean; username: string; password: string; email: string };

const toBody = (v: Values): AdminAuth =>
  v.sendInvite
    ? { method: 'invite', email: v.email }
    : { method: 'credentials', username: v.username, password: v.password };

/**
 * Re-initiate authentication of a service: the tenant admin's credentials again (used once, not kept), or a
 * new invitation link for the IT administrator (it replaces any pending link).
 */
export function ReauthenticateModal({
  service,
  onClose,
  onDone,
}: {
  service: { id: string; fullName: string; adminUsername: string | null };
  onClose: () => void;
  onDone: (result: ServiceCreated) => void;
}) {
  const form = useForm<Values>({
    initialValues: { sendInvite: false, username: service.adminUsername ?? '', password: '', email: '' },
    validate: zodValidate(AdminAuthSchema, toBody),
  });
  const mutation = useFormMutation<Values, AdminAuth, ServiceCreated>(form, {
    mutationFn: (body) => services.reauthenticate(service.id, body),
    // The page's event stream brings the new state; only the connection panel is read at once (not step 9,
    // which reads Microsoft while the role check runs with the same fresh sign-in).
    invalidate: [services.connectionKey(service.id), [...services.key, 'list']],
    onSuccess: onDone,
  });
  const invite = form.values.sendInvite;
  return (
    <FormModal
      title={`Re-initiate authentication — ${service.fullName}`}
      submitLabel={invite ? 'Send invitation' : 'Proceed to Secure Token Connection'}
      onClose={onClose}
      onSubmit={form.onSubmit((values) => mutation.mutate(toBody(values)))}
      submitting={mutation.isPending}
      alert={mutation.alert}
    >
      <Checkbox
        label="Send link to IT administrator for authentication"
        {...form.getInputProps('sendInvite', { type: 'checkbox' })}
      />
      {invite ? (
        <>
          <TextInput
            label="IT administrator e-mail"
            type="email"
            data-autofocus
            {...form.getInputProps('email')}
          />
          <Text size="xs" c="dimmed">
            A new link replaces any pending one; the old link stops working.
          </Text>
        </>
      ) : (
        <>
          <TextInput label="Username (UPN)" data-autofocus {...form.getInputProps('username')} />
          <PasswordInput label="Password" {...form.getInputProps('password')} />
          <Text size="xs" c="dimmed">
            The password is used once for Microsoft&apos;s token request and is not kept.
          </Text>
        </>
      )}
    </FormModal>
  );
}
