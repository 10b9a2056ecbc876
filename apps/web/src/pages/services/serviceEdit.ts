import { editTrunkName, resolveTrunkName } from '@trunkline/contracts';
import type { Service, ServiceUpdate, TrunkName } from '@trunkline/contracts';

/** The edit form's values. NumberInput gives '' while empty. */
export type EditValues = {
  fullName: string;
  shortName: string;
  overrideSubdomain: boolean;
  subdomain: string;
  licensedUsers: number | string;
};

export type EditedService = Pick<
  Service,
  'fullName' | 'shortName' | 'subdomain' | 'subdomainOverridden' | 'zone' | 'trunkNameFixed' | 'licensedUsers'
>;

export const editValuesOf = (service: EditedService): EditValues => ({
  fullName: service.fullName,
  shortName: service.shortName,
  overrideSubdomain: service.subdomainOverridden,
  subdomain: service.subdomainOverridden ? service.subdomain : '',
  licensedUsers: service.licensedUsers,
});

/**
 * The trunk name the service would get, in its own zone, as the server resolves it. Once routing ran it is the
 * one the service has, whatever happens to the short name.
 */
export const editedTrunkName = (service: EditedService, values: EditValues): TrunkName =>
  service.trunkNameFixed
    ? resolveTrunkName({ shortName: values.shortName, override: service.subdomain, baseDomain: service.zone })
    : editTrunkName(service, {
        shortName: values.shortName,
        subdomain: values.overrideSubdomain ? values.subdomain : null,
      });

/** Only what changed; the subdomain whenever the trunk name changes (the label chosen, or null to derive it). */
export function editBody(service: EditedService, values: EditValues): ServiceUpdate {
  const name = editedTrunkName(service, values);
  const trunkChanged =
    !service.trunkNameFixed &&
    (name.label !== service.subdomain || name.overridden !== service.subdomainOverridden);
  return {
    ...(values.fullName !== service.fullName ? { fullName: values.fullName } : {}),
    ...(values.shortName !== service.shortName ? { shortName: values.shortName } : {}),
    ...(trunkChanged ? { subdomain: name.overridden ? values.subdomain : null } : {}),
    ...(values.licensedUsers !== service.licensedUsers
      ? { licensedUsers: typeof values.licensedUsers === 'number' ? values.licensedUsers : Number.NaN }
      : {}),
  };
}
