import {
  Alert,
  Button,
  Checkbox,
  Group,
  Input,
  Paper,
  PasswordInput,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { M365SettingsUpdateSchema, type M365Settings, type M365SettingsUpdate } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { services } from '../../api/services.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { may } from '../../auth/permissions.ts';
import { formatDateTime } from '../../ui/format.ts';
import { useFormMutation, zodValidate } from '../../ui/form.ts';
import { FormAlert } from '../../ui/FormAlert.tsx';
import { StepHeading } from './StepHeading.tsx';

type Values = {
  m365Domain: string;
  grantAdminAccess: { channelAdmins: boolean; customerAdmins: boolean };
  notificationApp: { clientId: string; clientSecret: string };
  removeNotification: boolean;
};

const toBody = (v: Values): M365SettingsUpdate => ({
  m365Domain: v.m365Domain,
  grantAdminAccess: v.grantAdminAccess,
  // Both fields set or replace the app; "remove" clears it; otherwise what is stored stays.
  ...(v.removeNotification
    ? { notificationApp: null }
    : v.notificationApp.clientId || v.notificationApp.clientSecret
      ? { notificationApp: v.notificationApp }
      : {}),
});

const valuesOf = (s: M365Settings): Values => ({
  m365Domain: s.m365Domain,
  grantAdminAccess: s.grantAdminAccess,
  notificationApp: { clientId: '', clientSecret: '' },
  removeNotification: false,
});

/**
 * Step 9 of the wizard, M365 settings: the M365 domain (one of the tenant's verified domains), the tenant ID,
 * who gets admin access, and the Teams Notification Service app. Saving leads to the summary, which points to
 * step 10 (default routing, the panel below).
 */
export function M365SettingsPanel({ serviceId }: { serviceId: string }) {
  const me = useCurrentUser();
  const readOnly = !may(me, 'm365-settings.edit');
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: services.m365SettingsKey(serviceId),
    queryFn: () => services.m365Settings(serviceId),
  });
  const [summary, setSummary] = useState<M365Settings | null>(null);
  const form = useForm<Values>({
    initialValues: {
      m365Domain: '',
      grantAdminAccess: { channelAdmins: true, customerAdmins: false },
      notificationApp: { clientId: '', clientSecret: '' },
      removeNotification: false,
    },
    validate: zodValidate(M365SettingsUpdateSchema, toBody),
  });
  const data = query.data;
  useEffect(() => {
    if (data && !form.isDirty()) {
      form.setValues(valuesOf(data));
      form.resetDirty(valuesOf(data));
    }
    // Only when fresh settings arrive; the form itself is stable.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data]);
  const mutation = useFormMutation<Values, M365SettingsUpdate, M365Settings>(form, {
    mutationFn: (body) => services.saveM365Settings(serviceId, body),
    successMessage: () => 'M365 settings saved.',
    onSuccess: (saved) => {
      queryClient.setQueryData(services.m365SettingsKey(serviceId), saved);
      form.setValues(valuesOf(saved));
      form.resetDirty(valuesOf(saved));
      setSummary(saved);
    },
  });

  if (query.isError)
    return (
      <Paper withBorder p="md">
        <Title order={4}>M365 settings</Title>
        <Alert color="orange" role="alert" mt="sm">
          {errorMessage(query.error)}
        </Alert>
      </Paper>
    );
  if (!data) return null;
  const app = data.notificationApp;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="m365-settings-title">
      <form onSubmit={form.onSubmit((values) => mutation.mutate(toBody(values)))} noValidate>
        <Stack gap="sm">
          <StepHeading id="m365-settings-title" title="M365 settings" step={9} />
          <Select
            label="M365 Domain (Override Admin Domain)"
            description="One of the tenant's verified domains; the initial *.onmicrosoft.com domain by default."
            data={data.verifiedDomains.map((d) => ({
              value: d.name.toLowerCase(),
              label: `${d.name}${d.isInitial ? ' (initial)' : ''}${d.isDefault ? ' (default)' : ''}`,
            }))}
            allowDeselect={false}
            disabled={readOnly}
            {...form.getInputProps('m365Domain')}
          />
          <TextInput label="Tenant ID" value={data.tenantId} readOnly />
          <Input.Wrapper
            label="Grant Admin Access to"
            description="Customer admins sign in with Microsoft (their Entra ID)."
          >
            <Group mt={4}>
              <Checkbox
                label="Channel admins"
                disabled={readOnly}
                {...form.getInputProps('grantAdminAccess.channelAdmins', { type: 'checkbox' })}
              />
              <Checkbox
                label="Customer admins"
                disabled={readOnly}
                {...form.getInputProps('grantAdminAccess.customerAdmins', { type: 'checkbox' })}
              />
            </Group>
          </Input.Wrapper>
          <Text size="sm" fw={600} mt="xs">
            Microsoft Teams Notification Service
          </Text>
          <Text size="xs" c="dimmed">
            The customer-side app registration that reads call records (application permission
            CallRecords.Read.All, admin-consented). Trunkline checks it by requesting a token; the secret is
            stored encrypted and never shown again.
          </Text>
          {app && !form.values.removeNotification && (
            <Text size="sm">
              Configured: {app.clientId} (checked {formatDateTime(app.validatedAt)}). Enter both fields to
              replace it.
            </Text>
          )}
          {!readOnly && (
            <Group grow align="flex-start">
              <TextInput
                label="Application ID (Client ID)"
                placeholder="00000000-0000-0000-0000-000000000000"
                disabled={form.values.removeNotification}
                {...form.getInputProps('notificationApp.clientId')}
              />
              <PasswordInput
                label="Client secret"
                autoComplete="off"
                disabled={form.values.removeNotification}
                {...form.getInputProps('notificationApp.clientSecret')}
              />
            </Group>
          )}
          {app && !readOnly && (
            <Checkbox
              label="Remove the notification app"
              {...form.getInputProps('removeNotification', { type: 'checkbox' })}
            />
          )}
          <FormAlert message={mutation.alert} />
          {!readOnly && (
            <Group justify="flex-end">
              <Button type="submit" loading={mutation.isPending}>
                {data.saved ? 'Save' : 'Save and continue'}
              </Button>
            </Group>
          )}
          {summary && (
            <Alert color="green" title="Summary" role="status">
              <Text size="sm">
                M365 domain {summary.m365Domain} in tenant {summary.tenantId}; admin access for{' '}
                {[
                  summary.grantAdminAccess.channelAdmins && 'channel admins',
                  summary.grantAdminAccess.customerAdmins && 'customer admins (Sign in with Microsoft)',
                ]
                  .filter(Boolean)
                  .join(' and ') || 'the provider only'}
                ; Teams Notification Service{' '}
                {summary.notificationApp ? `app ${summary.notificationApp.clientId}` : 'not configured'}.
              </Text>
              <Text size="sm" mt={4}>
                Next: step 10, Configure M365 default routing — preview the plan in the Default routing
                section below.
              </Text>
            </Alert>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
