import { NumberInput, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import {
  CUSTOMER_LICENSED_USER_LIMIT,
  deriveSubdomainLabel,
  ServiceUpdateSchema,
  shortNameProblem,
  subdomainLabelProblem,
} from '@trunkline/contracts';
import type { Service, ServiceUpdate } from '@trunkline/contracts';
import { services } from '../../api/services.ts';
import { providerSettings } from '../../api/settings.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodErrors } from '../../ui/form.ts';
import { shortNameRules } from '../onboarding/ServiceStep.tsx';
import { useCustomerUsage } from './LicenceUsage.tsx';
import { NameStatus } from './NameStatus.tsx';
import { problemOf, useNameAvailability } from './useNameAvailability.ts';

type Values = {
  fullName: string;
  shortName: string;
  overrideSubdomain: boolean;
  subdomain: string;
  licensedUsers: number | string;
};

/** Names and user count of a service not yet fully onboarded; only what changed is sent. */
export function ServiceEditModal({ service, onClose }: { service: Service; onClose: () => void }) {
  const usage = useCustomerUsage(service.customerId).data?.licensedUsers;
  const baseDomain = useQuery({ queryKey: providerSettings.key, queryFn: providerSettings.get }).data
    ?.sbcBaseDomain;
  // This service's own users are part of "used": editing may give them back or take more.
  const available = usage ? usage.remaining + service.licensedUsers : undefined;
  const derivedAtStart = deriveSubdomainLabel(service.shortName) === service.subdomain;

  const labelOf = (values: Values) =>
    values.overrideSubdomain
      ? values.subdomain.trim().toLowerCase()
      : shortNameProblem(values.shortName)
        ? ''
        : deriveSubdomainLabel(values.shortName);

  const toBody = (values: Values): ServiceUpdate => {
    const label = labelOf(values);
    return {
      ...(values.fullName !== service.fullName ? { fullName: values.fullName } : {}),
      ...(values.shortName !== service.shortName ? { shortName: values.shortName } : {}),
      // Sent explicitly whenever the trunk label changes, derived or not, so the server never has to guess.
      ...(label && label !== service.subdomain
        ? { subdomain: values.overrideSubdomain ? values.subdomain : label }
        : {}),
      ...(values.licensedUsers !== service.licensedUsers
        ? { licensedUsers: typeof values.licensedUsers === 'number' ? values.licensedUsers : Number.NaN }
        : {}),
    };
  };

  const form = useForm<Values>({
    initialValues: {
      fullName: service.fullName,
      shortName: service.shortName,
      overrideSubdomain: !derivedAtStart,
      subdomain: derivedAtStart ? '' : service.subdomain,
      licensedUsers: service.licensedUsers,
    },
    validate: (values) => {
      const errors = zodErrors(ServiceUpdateSchema, toBody(values));
      if (values.overrideSubdomain && !values.subdomain.trim())
        errors.subdomain ??= 'Enter a subdomain label.';
      if (!values.overrideSubdomain && values.shortName !== service.shortName && labelOf(values) === '')
        errors.shortName ??=
          'This short name has no letters or digits for a DNS name: override the subdomain.';
      if (
        typeof values.licensedUsers === 'number' &&
        available !== undefined &&
        values.licensedUsers > available
      )
        errors.licensedUsers ??= `Only ${available} licensed users are available for this service.`;
      if (names.shortName.state === 'taken') errors.shortName ??= names.shortName.message;
      if (names.subdomain.state === 'taken')
        errors[values.overrideSubdomain ? 'subdomain' : 'shortName'] ??= names.subdomain.message;
      return errors;
    },
  });
  const { values } = form;
  const label = labelOf(values);
  const names = useNameAvailability({
    shortName: values.shortName,
    subdomain: values.overrideSubdomain && !subdomainLabelProblem(label) ? label : null,
    label,
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
    (values.overrideSubdomain ? null : problemOf(names.subdomain));

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
          Trunk: <strong>{label ? `${label}.${baseDomain ?? '…'}` : 'enter a subdomain'}</strong>
        </Text>
        {!values.overrideSubdomain && form.errors.subdomain && (
          <Text size="sm" c="red" role="alert">
            {form.errors.subdomain}
          </Text>
        )}
        <Switch label="Override" {...form.getInputProps('overrideSubdomain', { type: 'checkbox' })} />
      </Stack>
      {values.overrideSubdomain && (
        <TextInput
          label="Subdomain"
          spellCheck={false}
          {...form.getInputProps('subdomain')}
          error={
            form.errors.subdomain ??
            (values.subdomain ? subdomainLabelProblem(label) : null) ??
            problemOf(names.subdomain)
          }
        />
      )}
      <NumberInput
        label="Number of licensed users"
        description={available !== undefined ? `Up to ${available} for this service.` : undefined}
        min={1}
        max={CUSTOMER_LICENSED_USER_LIMIT}
        clampBehavior="none"
        allowDecimal={false}
        allowNegative={false}
        {...form.getInputProps('licensedUsers')}
      />
    </FormModal>
  );
}
