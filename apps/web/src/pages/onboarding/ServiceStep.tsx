import { Code, Stack, Switch, Text, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import {
  FORBIDDEN_SHORT_NAME_CHARS,
  SHORT_NAME_MAX,
  SHORT_NAME_MIN,
  shortNameProblem,
} from '@trunkline/contracts';
import { NameStatus } from '../services/NameStatus.tsx';
import type { NameCheck } from '../services/useNameAvailability.ts';
import { problemOf } from '../services/useNameAvailability.ts';
import { trunkNameOf } from './tenantForm.ts';
import type { TenantValues } from './tenantForm.ts';

export const shortNameRules = `${SHORT_NAME_MIN}–${SHORT_NAME_MAX} characters: letters, digits and symbols, but no dot (.), no spaces and none of ${FORBIDDEN_SHORT_NAME_CHARS.join(' ')}. Unique across all services.`;

type ServiceStepProps = {
  form: UseFormReturnType<TenantValues>;
  baseDomain: string | undefined;
  names: { shortName: NameCheck; subdomain: NameCheck };
};

/** Step 1: full name, unique short name, and the trunk subdomain derived from it (or overridden). */
export function ServiceStep({ form, baseDomain, names }: ServiceStepProps) {
  const { values } = form;
  const name = trunkNameOf(values, baseDomain);
  const override = name.overridden;
  const forced = name.overrideRequired;
  const label = name.label;

  // Live: the rules as the user types, then whether the server still has the name free.
  const shortNameError =
    form.errors.shortName ??
    (values.shortName ? (override ? shortNameProblem(values.shortName) : name.problem) : null) ??
    problemOf(names.shortName) ??
    (override ? null : problemOf(names.subdomain));
  const subdomainError =
    form.errors.subdomain ??
    (override && values.subdomain ? name.problem : null) ??
    (override && values.subdomain ? problemOf(names.subdomain) : null);

  return (
    <Stack>
      <TextInput
        label="Full Name of Service"
        description="Free text, e.g. the customer's company and site."
        autoFocus
        autoComplete="off"
        {...form.getInputProps('fullName')}
      />
      <div>
        <TextInput
          label="Unique Short Name of Service"
          description={shortNameRules}
          autoComplete="off"
          spellCheck={false}
          {...form.getInputProps('shortName')}
          error={shortNameError}
        />
        {!shortNameError && <NameStatus check={names.shortName} />}
      </div>
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          Trunk subdomain
        </Text>
        <Text size="sm" aria-live="polite">
          {label ? (
            <Code>{name.fqdn || `${label}.…`}</Code>
          ) : (
            <Text span c="dimmed" size="sm">
              Derived from the short name
            </Text>
          )}
        </Text>
        {forced && (
          <Text size="sm" c="orange">
            This short name has no letters or digits to build a DNS name from: enter a subdomain below.
          </Text>
        )}
        {!override && !problemOf(names.subdomain) && label && <NameStatus check={names.subdomain} />}
      </Stack>
      <Switch
        label="Override"
        description="Choose the trunk subdomain yourself instead of deriving it from the short name."
        checked={override}
        disabled={forced}
        onChange={(event) => form.setFieldValue('overrideSubdomain', event.currentTarget.checked)}
      />
      {override && (
        <div>
          <TextInput
            label="Subdomain"
            description="Letters, digits and hyphens; not starting or ending with a hyphen."
            autoComplete="off"
            spellCheck={false}
            rightSection={
              baseDomain ? (
                <Text size="sm" c="dimmed" pr="xs">
                  .{baseDomain}
                </Text>
              ) : undefined
            }
            rightSectionWidth={baseDomain ? Math.min(8 + baseDomain.length * 8, 260) : undefined}
            {...form.getInputProps('subdomain')}
            error={subdomainError}
          />
          {!subdomainError && <NameStatus check={names.subdomain} />}
        </div>
      )}
    </Stack>
  );
}
