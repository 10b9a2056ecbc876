import { Stack, Switch, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ServiceUpdateSchema, shortNameProblem, TRUNK_NAME_FIXED_MESSAGE } from '@trunkline/contracts';
import type { Service, ServiceUpdate } from '@trunkline/contracts';
import { services } from '../../api/services.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { LicensedUsersInput } from '../../ui/LicensedUsersInput.tsx';
import { useFormMutation, zodErrors } from '../../ui/form.ts';
import { shortNameRules } from '../onboarding/ServiceStep.tsx';
import { useCustomerUsage } from './LicenceUsage.tsx';
import { NameStatus } from './NameStatus.tsx';
import { editBody, editedTrunkName, editValuesOf, type EditValues } from './serviceEdit.ts';
import { problemOf, useNameAvailability } from './useNameAvailability.ts';

/** Names and user count of a service not yet fully onboarded; only what changed is sent. */
export function ServiceEditModal({ service, onClose }: { service: Service; onClose: () => void }) {
  const usage = useCustomerUsage(service.customerId).data?.licensedUsers;
  // This service's own users are part of "used": editing may give them back or take more.
  const available = usage ? usage.remaining + service.licensedUsers : undefined;
  // Once routing ran, the trunk keeps its name whatever happens to the short name (the server says the same).
  const fixed = service.trunkNameFixed;

  const nameOf = (values: EditValues) => editedTrunkName(service, values);
  const toBody = (values: EditValues) => editBody(service, values);

  const form = useForm<EditValues>({
    initialValues: editValuesOf(service),
    validate: (values) => {
      const errors = zodErrors(ServiceUpdateSchema, toBody(values));
      const name = nameOf(values);
      if (!fixed && name.problem) errors[name.field] ??= name.problem;
      if (
        typeof values.licensedUsers === 'number' &&
        available !== undefined &&
        values.licensedUsers > available
      )
        errors.licensedUsers ??= `Only ${available} licensed users are available for this service.`;
      if (names.shortName.state === 'taken') errors.shortName ??= names.shortName.message;
      if (names.subdomain.state === 'taken') errors[nameOf(values).field] ??= names.subdomain.message;
      return errors;
    },
  });
  const { values } = form;
  const name = nameOf(values);
  const names = useNameAvailability({
    shortName: values.shortName,
    trunkName: name,
    exceptServiceId: service.id,
  });

  const save = useFormMutation(form, {
    mutationFn: (body: ServiceUpdate) => services.update(service.id, body),
    invalidate: [services.key],
    successMessage: (saved) => `Service ${saved.fullName} saved.`,
    onSuccess: onClose,
  });

  const shortNameError =
    form.errors.shortName ??
    (values.shortName ? shortNameProblem(values.shortName) : null) ??
    problemOf(names.shortName) ??
    (name.overridden ? null : problemOf(names.subdomain));

  return (
    <FormModal
      title={`Edit ${service.fullName}`}
      submitLabel="Save"
      onClose={onClose}
      onSubmit={form.onSubmit((v) => save.mutate(toBody(v)))}
      submitting={save.isPending}
      alert={save.alert}
    >
      <TextInput label="Full Name of Service" data-autofocus {...form.getInputProps('fullName')} />
      <div>
        <TextInput
          label="Unique Short Name of Service"
          description={shortNameRules}
          spellCheck={false}
          {...form.getInputProps('shortName')}
          error={shortNameError}
        />
        {!shortNameError && values.shortName !== service.shortName && <NameStatus check={names.shortName} />}
      </div>
      <Stack gap={4}>
        <Text size="sm">
          Trunk: <strong>{name.fqdn || 'enter a subdomain'}</strong>
        </Text>
        {fixed && (
          <Text size="sm" c="dimmed" id="trunk-name-fixed">
            {TRUNK_NAME_FIXED_MESSAGE}
          </Text>
        )}
        {!values.overrideSubdomain && form.errors.subdomain && (
          <Text size="sm" c="red" role="alert">
            {form.errors.subdomain}
          </Text>
        )}
        <Switch
          label="Override"
          disabled={fixed}
          aria-describedby={fixed ? 'trunk-name-fixed' : undefined}
          {...form.getInputProps('overrideSubdomain', { type: 'checkbox' })}
        />
      </Stack>
      {values.overrideSubdomain && (
        <TextInput
          label="Subdomain"
          spellCheck={false}
          disabled={fixed}
          aria-describedby={fixed ? 'trunk-name-fixed' : undefined}
          {...form.getInputProps('subdomain')}
          error={
            form.errors.subdomain ??
            (!fixed && values.subdomain ? name.problem : null) ??
            problemOf(names.subdomain)
          }
        />
      )}
      <LicensedUsersInput
        input={form.getInputProps('licensedUsers')}
        description={available !== undefined ? `Up to ${available} for this service.` : undefined}
      />
    </FormModal>
  );
}
