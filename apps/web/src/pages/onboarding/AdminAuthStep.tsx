import { Checkbox, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import type { TenantValues } from './tenantForm.ts';

/** Step 3: the tenant admin's credentials, or an invitation to the customer's IT administrator. */
export function AdminAuthStep({ form }: { form: UseFormReturnType<TenantValues> }) {
  const invite = form.values.sendInvite;
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        A Global admin or a Service account admin of the customer&apos;s Microsoft 365 tenant grants the
        secure token connection. Enter their credentials, or send a link so that the customer&apos;s IT
        administrator does it.
      </Text>
      {invite ? (
        <TextInput
          key="email"
          label="IT administrator e-mail"
          description="The Global admin or Service account admin who receives the link."
          type="email"
          autoComplete="off"
          autoFocus
          {...form.getInputProps('adminAuth.email')}
        />
      ) : (
        <>
          <TextInput
            key="username"
            label="Username (UPN)"
            description="The tenant's Global admin or Service account admin, e.g. admin@contoso.onmicrosoft.com."
            autoComplete="off"
            autoFocus
            {...form.getInputProps('adminAuth.username')}
          />
          <PasswordInput
            label="Password"
            description="Used for the token connection only; never kept in the draft."
            autoComplete="new-password"
            {...form.getInputProps('adminAuth.password')}
          />
        </>
      )}
      <Checkbox
        label="Send link to IT administrator for authentication"
        {...form.getInputProps('sendInvite', { type: 'checkbox' })}
      />
    </Stack>
  );
}
