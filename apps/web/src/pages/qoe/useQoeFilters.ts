import { useSearchParams } from 'react-router-dom';
import { useLocalStorage } from '@mantine/hooks';
import { withParams } from '../../ui/list.ts';
import { readRange, rangeToParams, type Range } from './range.ts';

/** How often the dashboard asks again while auto-refresh is on and the tab is visible. */
export const AUTO_REFRESH_MS = 30_000;

/**
 * The Call quality page's filters, kept in the URL (`range`, `from`, `to`, `customerId`, `serviceId`) so reload, Back
 * and a link from a service page keep the view; auto-refresh is a preference of the browser (on by default).
 */
export function useQoeFilters() {
  const [searchParams, setSearchParams] = useSearchParams();
  const range = readRange({
    range: searchParams.get('range'),
    from: searchParams.get('from'),
    to: searchParams.get('to'),
  });
  const customerId = searchParams.get('customerId') ?? undefined;
  const serviceId = searchParams.get('serviceId') ?? undefined;
  const [autoRefresh, setAutoRefresh] = useLocalStorage({
    key: 'trunkline.qoe.autoRefresh',
    defaultValue: true,
    getInitialValueInEffect: false,
  });

  const update = (changes: Record<string, string | null>) =>
    setSearchParams((previous) => withParams(previous, changes), { replace: false });

  return {
    range,
    customerId,
    serviceId,
    autoRefresh,
    setAutoRefresh,
    setRange: (next: Range) => update(rangeToParams(next)),
    /** Another customer: a service of the one before no longer applies. */
    setCustomerId: (id: string | null) => update({ customerId: id, serviceId: null }),
    setServiceId: (id: string | null) => update({ serviceId: id }),
  };
}

export type QoeFilterState = ReturnType<typeof useQoeFilters>;
