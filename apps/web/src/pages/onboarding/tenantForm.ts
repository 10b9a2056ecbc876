import {
  deriveSubdomainLabel,
  ServiceCreateSchema,
  shortNameProblem,
  subdomainLabelProblem,
  trunkFqdnProblem,
} from '@trunkline/contracts';
import type { LicenseType, ServiceCreate, ServiceDraftData } from '@trunkline/contracts';
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

/** The label the trunk gets from a valid short name alone; empty when the name has no letters or digits. */
export function derivedLabel(values: Pick<TenantValues, 'shortName'>): string {
  return shortNameProblem(values.shortName) ? '' : deriveSubdomainLabel(values.shortName);
}

/** A valid short name whose derived label is empty (e.g. "+++") needs a subdomain of its own. */
export function overrideRequired(values: Pick<TenantValues, 'shortName'>): boolean {
  return values.shortName !== '' && !shortNameProblem(values.shortName) && derivedLabel(values) === '';
}

export const overriding = (values: Pick<TenantValues, 'shortName' | 'overrideSubdomain'>) =>
  values.overrideSubdomain || overrideRequired(values);

/** The trunk's subdomain label as it stands: the override (normalised as the server does) or the derived one. */
export function subdomainLabel(
  values: Pick<TenantValues, 'shortName' | 'overrideSubdomain' | 'subdomain'>,
): string {
  return overriding(values) ? values.subdomain.trim().toLowerCase() : derivedLabel(values);
}

export const validOverride = (values: TenantValues) =>
  overriding(values) && subdomainLabelProblem(subdomainLabel(values)) === null;

export function toBody(values: TenantValues, customerId: string): ServiceCreate {
  return {
    customerId,
    type: 'direct-routing',
    fullName: values.fullName,
    shortName: values.shortName,
    ...(overriding(values) ? { subdomain: values.subdomain } : {}),
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
  if (path === 'subdomain' && !overriding(values)) return 'shortName';
  return path;
}

export type CheckContext = {
  baseDomain: string | undefined;
  /** Licensed users the customer has left; undefined while unknown. */
  remaining: number | undefined;
};

/** Everything the browser can check: the server's schema, plus the trunk FQDN length and the customer's budget. */
export function clientErrors(values: TenantValues, customerId: string, ctx: CheckContext): FormErrors {
  const errors: FormErrors = {};
  for (const [path, message] of Object.entries(zodErrors(ServiceCreateSchema, toBody(values, customerId)))) {
    errors[formPath(path, values)] ??= message;
  }
  const label = subdomainLabel(values);
  if (ctx.baseDomain && label && !subdomainLabelProblem(label)) {
    const problem = trunkFqdnProblem(label, ctx.baseDomain);
    if (problem) errors[overriding(values) ? 'subdomain' : 'shortName'] ??= problem;
  }
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
