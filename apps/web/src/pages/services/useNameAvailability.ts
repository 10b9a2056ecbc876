import { useDebouncedValue } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { shortNameProblem } from '@trunkline/contracts';
import type { Availability, TrunkName } from '@trunkline/contracts';
import { services } from '../../api/services.ts';
import type { AvailabilityParams } from '../../api/services.ts';

export type NameCheck =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'available' }
  | { state: 'taken'; message: string }
  /** The check itself failed; the server checks again on save. */
  | { state: 'unknown' };

type NamesInput = {
  shortName: string;
  /** The trunk name as the form stands (`resolveTrunkName`): its label is matched against the server's answer. */
  trunkName: TrunkName<string | null>;
  exceptServiceId?: string;
};

/** Only what is valid by itself is worth asking about; a derived label is checked through the short name. */
function paramsOf({ shortName, trunkName, exceptServiceId }: NamesInput): AvailabilityParams | null {
  const params: AvailabilityParams = {};
  if (!shortNameProblem(shortName)) params.shortName = shortName;
  if (trunkName.overridden && trunkName.problem === null) params.subdomain = trunkName.label;
  if (!params.shortName && !params.subdomain) return null;
  return exceptServiceId ? { ...params, exceptServiceId } : params;
}

const availabilityQuery = (params: AvailabilityParams) => ({
  queryKey: services.availabilityKey(params),
  queryFn: () => services.availability(params),
  staleTime: 10_000,
  retry: false,
});

function interpret(
  field: { value: string; valid: boolean; available: boolean; message: string | null } | null | undefined,
  value: string,
  fallback: string,
): NameCheck | null {
  if (!field || field.value !== value) return null;
  if (field.valid && field.available) return { state: 'available' };
  return { state: 'taken', message: field.message ?? fallback };
}

function checksOf(input: NamesInput, data: Availability | undefined) {
  return {
    shortName: interpret(data?.shortName, input.shortName, 'This short name is already taken.'),
    subdomain: interpret(
      data?.subdomain,
      input.trunkName.label,
      `The subdomain ${input.trunkName.label} is already taken.`,
    ),
  };
}

/**
 * Asks the server, 300 ms after typing stops, whether the short name and the trunk subdomain are free.
 * `verify` answers at once for the current names (for Next and Submit), waiting for the server if need be.
 */
export function useNameAvailability(input: NamesInput) {
  const queryClient = useQueryClient();
  const params = paramsOf(input);
  const key = JSON.stringify(params);
  const [debouncedKey] = useDebouncedValue(key, 300);
  const settled = debouncedKey === key;
  const query = useQuery({
    ...availabilityQuery(params ?? {}),
    enabled: params !== null && settled,
  });

  const current =
    settled && !query.isFetching ? checksOf(input, query.data) : { shortName: null, subdomain: null };
  const pending: NameCheck =
    params && (!settled || query.isFetching) ? { state: 'checking' } : { state: 'idle' };
  const failed: NameCheck = query.isError ? { state: 'unknown' } : { state: 'idle' };
  const shortName: NameCheck =
    current.shortName ??
    (params?.shortName ? (pending.state === 'checking' ? pending : failed) : { state: 'idle' });
  const subdomain: NameCheck =
    current.subdomain ??
    (input.trunkName.label ? (pending.state === 'checking' ? pending : failed) : { state: 'idle' });

  return {
    shortName,
    subdomain,
    /** The problems of the current names; a failed check counts as none, since the server checks on save. */
    verify: async () => {
      if (!params) return { shortName: null, subdomain: null };
      try {
        return checksOf(input, await queryClient.fetchQuery(availabilityQuery(params)));
      } catch {
        return { shortName: null, subdomain: null };
      }
    },
  };
}

export const problemOf = (check: NameCheck | null) => (check?.state === 'taken' ? check.message : null);
