import { Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { OwnAppConnectionSchema, type ConnectionAttempt, type OwnAppConnection } from '@trunkline/contracts';
import { invitations } from '../../api/invitations.ts';
import { useFormMutation, zodValidate } from '../../ui/form.ts';
import { FormAlert } from '../../ui/FormAlert.tsx';

type Values = { tenantId: string; clientId: string; clientSecret: string; secretExpiresAt: string };

/** "Use your own app registration": the customer's app, checked by Trunkline with a token before it is kept. */
export function OwnAppForm({
  token,
  onConnected,
}: {
  token: string;
  onConnected: (result: ConnectionAttempt) => void;
}) {
  const queryClient = useQueryClient();
  const toBody = (v: Values): OwnAppConnection => ({
    token,
    tenantId: v.tenantId.trim(),
    clientId: v.clientId.trim(),
    clientSecret: v.clientSecret,
    ...(v.secretExpiresAt ? { secretExpiresAt: v.secretExpiresAt } : {}),
  });
  const form = useForm<Values>({
    initialValues: { tenantId: '', clientId: '', clientSecret: '', secretExpiresAt: '' },
    validate: zodValidate(OwnAppConnectionSchema, toBody),
  });
  const mutation = useFormMutation<Values, OwnAppConnection, ConnectionAttempt>(form, {
    mutationFn: invitations.connectOwnApp,
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['invite', token] });
      onConnected(result);
    },
  });
  return (
    <form onSubmit={form.onSubmit((values) => mutation.mutate(toBody(values)))} noValidate>
      <Stack gap="sm">
        <Title order={4}>Or use your own app registration</Title>
        <Text size="sm" c="dimmed">
          An app registered in your tenant with admin-consented application permissions on Microsoft Graph:
          Organization.Read.All, Domain.ReadWrite.All, User.ReadWrite.All, LicenseAssignment.ReadWrite.All.
        </Text>
        <FormAlert message={mutation.alert} />
        <TextInput label="Directory (tenant) ID" {...form.getInputProps('tenantId')} />
        <TextInput label="Application (client) ID" {...form.getInputProps('clientId')} />
        <PasswordInput label="Client secret value" {...form.getInputProps('clientSecret')} />
        <TextInput
          label="Secret expires on (optional)"
          type="date"
          {...form.getInputProps('secretExpiresAt')}
        />
        <Button type="submit" variant="default" loading={mutation.isPending}>
          Connect with my app
        </Button>
      </Stack>
    </form>
  );
}
