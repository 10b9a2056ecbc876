import { resolveTrunkName, ServiceCreateSchema } from '@trunkline/contracts';
import type { LicenseType, ServiceCreate, ServiceDraftData, TrunkName } from '@trunkline/contracts';
import type { FormErrors } from '@mantine/form';
import { zodErrors } from '../../ui/form.ts';

/** The new-tenant form. `adminAuth` is nested so the server's error paths (`adminAuth.email`) name its fields. */
export type TenantValues = {
  fullName: string;
  shortName: string;
  overrideSubdomain: boolean;
  subdomain: string;
  licenseType: string | null;
  /** NumberInput gives '' while empty. */
  licensedUsers: number | string;
  sendInvite: boolean;
  adminAuth: { username: string; password: string; email: string };
};

export const tenantSteps = [
  { label: 'Service', description: 'Names and trunk', fields: ['fullName', 'shortName', 'subdomain'] },
  { label: 'Licence', description: 'Type and users', fields: ['licenseType', 'licensedUsers'] },
  { label: 'Admin authentication', description: 'Tenant admin', fields: ['adminAuth'] },
] as const;
export const lastStep = tenantSteps.length - 1;

/** The step that holds a field (dotted path), or -1 for a path no step shows. */
export function stepOf(path: string): number {
  return tenantSteps.findIndex((step) =>
    step.fields.some((field) => path === field || path.startsWith(`${field}.`)),
  );
}

export function emptyValues(licenseTypes: LicenseType[]): TenantValues {
  return {
    fullName: '',
    shortName: '',
    overrideSubdomain: false,
    subdomain: '',
    // With one licence type on offer (Hosted Essentials+) there is nothing to choose.
    licenseType: licenseTypes.length === 1 ? (licenseTypes[0]?.id ?? null) : null,
    licensedUsers: '',
    sendInvite: false,
    adminAuth: { username: '', password: '', email: '' },
  };
}

export function fromDraft(data: ServiceDraftData, licenseTypes: LicenseType[]): TenantValues {
  const empty = emptyValues(licenseTypes);
  return {
    fullName: data.fullName ?? '',
    shortName: data.shortName ?? '',
    overrideSubdomain: Boolean(data.subdomain),
    subdomain: data.subdomain ?? '',
    licenseType: data.licenseType ?? empty.licenseType,
    licensedUsers: data.licensedUsers ?? '',
    sendInvite: data.adminAuthMethod === 'invite',
    adminAuth: { username: data.adminUsername ?? '', password: '', email: data.inviteEmail ?? '' },
  };
}

const cut = (value: string, max: number) => value.slice(0, max);

/** What the server keeps of an unfinished form: everything but the password. */
export function toDraft(values: TenantValues, step: number): ServiceDraftData {
  return {
    fullName: cut(values.fullName, 200),
    shortName: cut(values.shortName, 100),
    subdomain: values.overrideSubdomain ? cut(values.subdomain, 100) : '',
    ...(values.licenseType ? { licenseType: cut(values.licenseType, 100) } : {}),
    licensedUsers:
      typeof values.licensedUsers === 'number' && Number.isInteger(values.licensedUsers)
        ? Math.min(Math.max(values.licensedUsers, 0), 100_000)
        : null,
    adminAuthMethod: values.sendInvite ? 'invite' : 'credentials',
    adminUsername: cut(values.adminAuth.username, 254),
    inviteEmail: cut(values.adminAuth.email, 254),
    step,
  };
}

/**
 * The trunk name as the form stands, resolved as the server resolves it: the override when switched on, or
 * when the short name has no letter or digit to derive a label from; otherwise the label derived from the
 * short name. Without the base domain (still loading) it has no FQDN and no length check.
 */
export function trunkNameOf(
  values: Pick<TenantValues, 'shortName' | 'overrideSubdomain' | 'subdomain'>,
  baseDomain?: string | null,
): TrunkName<string | null> {
  const derived = resolveTrunkName({ shortName: values.shortName, baseDomain: baseDomain ?? null });
  return values.overrideSubdomain || derived.overrideRequired
    ? resolveTrunkName({
        shortName: values.shortName,
        override: values.subdomain,
        baseDomain: baseDomain ?? null,
      })
    : derived;
}

export function toBody(values: TenantValues, customerId: string): ServiceCreate {
  return {
    customerId,
    type: 'direct-routing',
    fullName: values.fullName,
    shortName: values.shortName,
    ...(trunkNameOf(values).overridden ? { subdomain: values.subdomain } : {}),
    licenseType: values.licenseType ?? '',
    // NaN fails the schema with its own message; a body is only sent once the schema passes.
    licensedUsers: typeof values.licensedUsers === 'number' ? values.licensedUsers : Number.NaN,
    adminAuth: values.sendInvite
      ? { method: 'invite', email: values.adminAuth.email }
      : { method: 'credentials', username: values.adminAuth.username, password: values.adminAuth.password },
  };
}

/** Where a field error goes in the form: a derived subdomain has no input, so its problems show on the short name. */
export function formPath(path: string, values: TenantValues): string {
  return path === 'subdomain' ? trunkNameOf(values).field : path;
}

export type CheckContext = {
  baseDomain: string | undefined;
  /** Licensed users the customer has left; undefined while unknown. */
  remaining: number | undefined;
};

/** Everything the browser can check: the server's schema, the trunk name (FQDN length too), the customer's budget. */
export function clientErrors(values: TenantValues, customerId: string, ctx: CheckContext): FormErrors {
  const errors: FormErrors = {};
  for (const [path, message] of Object.entries(zodErrors(ServiceCreateSchema, toBody(values, customerId)))) {
    errors[formPath(path, values)] ??= message;
  }
  const name = trunkNameOf(values, ctx.baseDomain);
  if (name.problem) errors[name.field] ??= name.problem;
  const problem = licensedUsersProblem(values.licensedUsers, ctx.remaining);
  if (problem) errors.licensedUsers ??= problem;
  return errors;
}

export function licensedUsersProblem(value: number | string, remaining: number | undefined): string | null {
  if (typeof value !== 'number' || remaining === undefined || value <= remaining) return null;
  return remaining === 0
    ? 'This customer has no licensed users left.'
    : `Only ${remaining} licensed users remain for this customer.`;
}
