import type { ReactNode } from 'react';
import { NumberInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { CUSTOMER_LICENSED_USER_LIMIT } from '@trunkline/contracts';
import { wholeNumberProblem } from './licensedUsers.ts';

type InputProps = ReturnType<UseFormReturnType<Record<string, unknown>>['getInputProps']>;

/**
 * The number of licensed users of a service (1 to the customer's limit). Decimals are typed as they are and
 * refused with a field error, never cut down to a whole number. `input` is the form's `getInputProps`; its error
 * comes first, then a typed decimal, then `problem` (e.g. more than the customer has left).
 */
export function LicensedUsersInput({
  input,
  description,
  problem,
}: {
  input: InputProps;
  description?: ReactNode;
  problem?: string | null;
}) {
  const value = input.value as number | string;
  return (
    <NumberInput
      label="Number of licensed users"
      description={description}
      min={1}
      max={CUSTOMER_LICENSED_USER_LIMIT}
      step={1}
      clampBehavior="none"
      allowNegative={false}
      {...input}
      error={(input.error as ReactNode) ?? wholeNumberProblem(value) ?? problem ?? undefined}
    />
  );
}
