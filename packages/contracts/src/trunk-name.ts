import { TRUNK_FQDN_MAX, deriveSubdomainLabel, shortNameProblem, subdomainLabelProblem } from './services.ts';

/**
 * The trunk name of a Direct Routing service (`<label>.<zone>`) as one value: the label, either derived from
 * the short name or chosen instead (the override), in a zone (the provider's SBC base domain when the service
 * was created). The new-tenant form, the edit form and the server all resolve it here.
 */
export type TrunkName<Zone extends string | null = string> = {
  /** The DNS label, lower case; '' when there is none (nothing to derive from, or an empty override). */
  label: string;
  /** `label.zone`; '' without a label or while the zone is not known (a form still loading the settings). */
  fqdn: string;
  zone: Zone;
  /** The label was chosen instead of derived from the short name. */
  overridden: boolean;
  /** The short name is valid but has no letter or digit to derive a label from: only an override helps. */
  overrideRequired: boolean;
  /** Why this trunk name cannot be used, or null. */
  problem: string | null;
  /** Which field the problem is about: the short name for a derived label, the subdomain for an override. */
  field: 'shortName' | 'subdomain';
};

export type TrunkNameInput<Zone extends string | null> = {
  shortName: string;
  /** The subdomain label chosen instead of the derived one; null or absent derives it from the short name. */
  override?: string | null | undefined;
  /** The zone: a service's own, or the provider's SBC base domain for a new one; null while not known. */
  baseDomain: Zone;
};

/** Normalises an override as the API does: surrounding spaces dropped, lower case. */
export const normaliseLabel = (label: string) => label.trim().toLowerCase();

export function resolveTrunkName<Zone extends string | null>({
  shortName,
  override,
  baseDomain,
}: TrunkNameInput<Zone>): TrunkName<Zone> {
  const overridden = override !== undefined && override !== null;
  const shortNameInvalid = shortNameProblem(shortName);
  const label = overridden
    ? normaliseLabel(override)
    : shortNameInvalid
      ? ''
      : deriveSubdomainLabel(shortName);
  const overrideRequired = !shortNameInvalid && deriveSubdomainLabel(shortName) === '';
  const fqdn = label && baseDomain ? `${label}.${baseDomain}` : '';
  const lengthProblem =
    fqdn.length > TRUNK_FQDN_MAX
      ? `The trunk FQDN ${fqdn} is ${fqdn.length} characters; Microsoft allows at most ${TRUNK_FQDN_MAX}.`
      : null;
  const problem = overridden
    ? (subdomainLabelProblem(label) ?? lengthProblem)
    : (shortNameInvalid ??
      (label === ''
        ? `"${shortName}" gives no usable DNS label: enter a subdomain yourself.`
        : (subdomainLabelProblem(label) ?? lengthProblem)));
  return {
    label,
    fqdn,
    zone: baseDomain,
    overridden,
    overrideRequired,
    problem,
    field: overridden ? 'subdomain' : 'shortName',
  };
}

/** A stored trunk name, as a service carries it. */
export type StoredTrunkName = {
  shortName: string;
  subdomain: string;
  subdomainOverridden: boolean;
  zone: string;
};

/**
 * The trunk name after an edit, in the service's own zone: a given subdomain overrides, null goes back to the
 * derived label, and without either an override stays while a derived label follows a new short name.
 */
export function editTrunkName(
  current: StoredTrunkName,
  change: { shortName?: string | undefined; subdomain?: string | null | undefined },
): TrunkName {
  const override =
    change.subdomain !== undefined
      ? change.subdomain
      : current.subdomainOverridden
        ? current.subdomain
        : null;
  return resolveTrunkName({
    shortName: change.shortName ?? current.shortName,
    override,
    baseDomain: current.zone,
  });
}

/** Why a service's trunk name can no longer change: routing may have put it into the tenant and into DNS. */
export const TRUNK_NAME_FIXED_MESSAGE =
  'Default routing has run for this service, so its trunk name may exist in the customer tenant and in DNS: the subdomain can no longer change. Remove the service to start over with another name.';
