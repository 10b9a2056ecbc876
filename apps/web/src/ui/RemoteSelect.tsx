import { useState } from 'react';
import { Select } from '@mantine/core';
import type { ComboboxItem, OptionsFilter, SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';

export type RemoteSelectProps = Omit<
  SelectProps,
  'data' | 'value' | 'onChange' | 'searchable' | 'filter' | 'onSearchChange'
> & {
  value?: string | null;
  onChange: (value: string | null) => void;
  /** Cache key prefix for this kind of option. */
  queryKey: readonly unknown[];
  /** Options matching a search text (empty: the first few). */
  load: (q: string) => Promise<ComboboxItem[]>;
  /** The option of one value, e.g. the current value of an edited record. */
  loadOne: (value: string) => Promise<ComboboxItem>;
};

/** The server does the filtering; show what it answered. */
const serverFiltered: OptionsFilter = ({ options }) => options;

/** A searchable select whose options come from a paginated API list, searched on the server as the user types. */
export function RemoteSelect({
  value = null,
  onChange,
  queryKey,
  load,
  loadOne,
  ...props
}: RemoteSelectProps) {
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');

  const selected = useQuery({
    queryKey: [...queryKey, 'option', value],
    queryFn: () => loadOne(value ?? ''),
    enabled: value !== null,
    staleTime: 5 * 60_000,
  });
  // While the input just shows the chosen option's label, offer every option rather than that one alone.
  const typed = search.trim() === selected.data?.label ? '' : search.trim();
  const [q] = useDebouncedValue(typed, 250);
  const options = useQuery({
    queryKey: [...queryKey, 'options', q],
    queryFn: () => load(q),
    placeholderData: keepPreviousData,
  });

  const loaded = options.data ?? [];
  const data =
    selected.data && !loaded.some((option) => option.value === selected.data.value)
      ? [selected.data, ...loaded]
      : loaded;

  return (
    <Select
      {...props}
      searchable
      data={data}
      value={value}
      onChange={(next, option) => {
        if (next !== null && option) queryClient.setQueryData([...queryKey, 'option', next], option);
        onChange(next);
      }}
      onSearchChange={setSearch}
      filter={serverFiltered}
      nothingFoundMessage={options.isFetching ? 'Loading…' : 'Nothing found'}
    />
  );
}
