import { Alert, Button, Group, Paper, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import { ProviderSettingsUpdateSchema } from '@trunkline/contracts';
import type { ProviderSettings, ProviderSettingsUpdate } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { providerSettings } from '../../api/settings.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { isProviderAdmin } from '../../auth/permissions.ts';
import { useFormMutation, zodValidate } from '../../ui/form.ts';
import { FormAlert } from '../../ui/FormAlert.tsx';

function ProviderForm({ settings }: { settings: ProviderSettings }) {
  /** Only what changed; the schema asks for at least one field. */
  const toBody = (values: ProviderSettings): ProviderSettingsUpdate => ({
    ...(values.providerName !== settings.providerName ? { providerName: values.providerName } : {}),
    ...(values.sbcBaseDomain !== settings.sbcBaseDomain ? { sbcBaseDomain: values.sbcBaseDomain } : {}),
    ...(values.requireTwoFactorForAdmins !== settings.requireTwoFactorForAdmins
      ? { requireTwoFactorForAdmins: values.requireTwoFactorForAdmins }
      : {}),
  });
  const form = useForm<ProviderSettings>({
    initialValues: settings,
    validate: zodValidate(ProviderSettingsUpdateSchema, toBody),
  });
  const save = useFormMutation(form, {
    mutationFn: providerSettings.update,
    invalidate: [providerSettings.key],
    successMessage: () => 'Provider settings saved.',
    onSuccess: () => undefined, // the refetched settings remount the form with the saved values
  });

  return (
    <form onSubmit={form.onSubmit((values) => save.mutate(toBody(values)))} noValidate>
      <Stack maw={480}>
        <FormAlert message={save.alert} />
        <TextInput
          label="Provider name"
          description="Shown to customers, e.g. in invitation e-mails."
          {...form.getInputProps('providerName')}
        />
        <TextInput
          label="SBC base domain"
          description="Trunks are named <subdomain>.<base domain>. Existing services keep their trunk name."
          spellCheck={false}
          {...form.getInputProps('sbcBaseDomain')}
        />
        <Switch
          label="Require two-factor sign-in for provider and channel admins"
          description="Admins who sign in with a password and have no authenticator app yet set one up at their next sign-in; open sessions last until they end."
          {...form.getInputProps('requireTwoFactorForAdmins', { type: 'checkbox' })}
        />
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Provider-wide settings: provider admins change them, everyone else sees them. */
export function ProviderSection() {
  const editable = isProviderAdmin(useCurrentUser());
  const query = useQuery({ queryKey: providerSettings.key, queryFn: providerSettings.get });

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="provider-title">
      <Stack>
        <Title order={3} id="provider-title">
          Provider
        </Title>
        {query.isError && (
          <Alert color="red" role="alert">
            {errorMessage(query.error)}
          </Alert>
        )}
        {query.isPending && <Text c="dimmed">Loading…</Text>}
        {query.data &&
          (editable ? (
            <ProviderForm key={JSON.stringify(query.data)} settings={query.data} />
          ) : (
            <Stack gap="xs">
              <Text size="sm">
                <Text span c="dimmed" size="sm">
                  Provider name:{' '}
                </Text>
                {query.data.providerName}
              </Text>
              <Text size="sm">
                <Text span c="dimmed" size="sm">
                  SBC base domain:{' '}
                </Text>
                {query.data.sbcBaseDomain}
              </Text>
            </Stack>
          ))}
      </Stack>
    </Paper>
  );
}
