import { LicensedUsersSchema } from '@trunkline/contracts';

/**
 * A typed 12.5 is not 12: say so at once, in the words of the server's schema. The number inputs for licensed
 * users allow decimals to be typed so that they are refused with this field error, never cut to a whole number.
 */
export function wholeNumberProblem(value: number | string): string | null {
  if (typeof value !== 'number' || Number.isInteger(value)) return null;
  const parsed = LicensedUsersSchema.safeParse(value);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? null);
}
