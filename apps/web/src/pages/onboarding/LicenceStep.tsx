import { Select, Stack } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { CUSTOMER_LICENSED_USER_LIMIT } from '@trunkline/contracts';
import { LicensedUsersInput } from '../../ui/LicensedUsersInput.tsx';
import type { LicenseType } from '@trunkline/contracts';
import { licensedUsersProblem } from './tenantForm.ts';
import type { TenantValues } from './tenantForm.ts';

type LicenceStepProps = {
  form: UseFormReturnType<TenantValues>;
  licenseTypes: LicenseType[];
  remaining: number | undefined;
};

/** Step 2: the licence type (Hosted Essentials+) and how many users, within the customer's 500. */
export function LicenceStep({ form, licenseTypes, remaining }: LicenceStepProps) {
  const chosen = licenseTypes.find((t) => t.id === form.values.licenseType);
  return (
    <Stack>
      <Select
        label="Licence type"
        placeholder="Choose a licence type"
        data={licenseTypes.map((t) => ({ value: t.id, label: t.name }))}
        description={chosen?.description}
        allowDeselect={false}
        autoFocus
        {...form.getInputProps('licenseType')}
      />
      <LicensedUsersInput
        input={form.getInputProps('licensedUsers')}
        description={
          remaining === undefined
            ? `At most ${CUSTOMER_LICENSED_USER_LIMIT} users per customer.`
            : `${remaining} remaining for this customer (at most ${CUSTOMER_LICENSED_USER_LIMIT} per customer).`
        }
        problem={licensedUsersProblem(form.values.licensedUsers, remaining)}
      />
    </Stack>
  );
}
