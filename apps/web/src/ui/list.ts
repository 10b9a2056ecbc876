import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useDebouncedCallback } from '@mantine/hooks';
import type { Page } from '@trunkline/contracts';
import type { ListParams } from '../api/resource.ts';

export const defaultPageSize = 25;

/** A copy of `params` with `changes` made: a value sets its parameter, null or '' removes it. */
export function withParams(params: URLSearchParams, changes: Record<string, string | null>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [name, value] of Object.entries(changes)) {
    if (value) next.set(name, value);
    else next.delete(name);
  }
  return next;
}

export type SortOrder = 'asc' | 'desc';

/** The columns a list may be sorted by and how it is sorted when the URL says nothing. */
export type SortOptions = {
  fields: readonly string[];
  defaultField: string;
  defaultOrder: SortOrder;
};

/** The sorting of a table: which column, which direction, and a header click. */
export type SortState = {
  field: string;
  order: SortOrder;
  /** A click on a header: the same column flips the direction, another column starts ascending. */
  toggle: (field: string) => void;
};

/** Page, search, filters and sorting of a list page, kept in the URL so reload and Back keep the view. */
export function useListParams(filterNames: readonly string[] = [], sortOptions?: SortOptions) {
  const [searchParams, setSearchParams] = useSearchParams();
  const page = Math.max(1, Math.trunc(Number(searchParams.get('page'))) || 1);
  const q = searchParams.get('q') ?? '';
  const [search, setSearchInput] = useState(q);
  // When the URL changes under the page (Back, a navigation link), the search box follows it.
  const [shownQ, setShownQ] = useState(q);
  if (q !== shownQ) {
    setShownQ(q);
    if (q !== search.trim()) setSearchInput(q);
  }

  const update = (changes: Record<string, string | null>, replace: boolean) =>
    setSearchParams((previous) => withParams(previous, changes), { replace });
  const commitSearch = useDebouncedCallback(
    (value: string) => update({ q: value.trim() || null, page: null }, true),
    300,
  );

  const params: ListParams = { page, pageSize: defaultPageSize, q: q || undefined };
  for (const name of filterNames) params[name] = searchParams.get(name) ?? undefined;

  let sort: SortState | undefined;
  if (sortOptions) {
    const askedField = searchParams.get('sort');
    const field =
      askedField && sortOptions.fields.includes(askedField) ? askedField : sortOptions.defaultField;
    const askedOrder = searchParams.get('order');
    const order: SortOrder =
      askedOrder === 'asc' || askedOrder === 'desc' ? askedOrder : sortOptions.defaultOrder;
    params.sort = field;
    params.order = order;
    sort = {
      field,
      order,
      toggle: (next) =>
        update({ sort: next, order: next === field && order === 'asc' ? 'desc' : 'asc', page: null }, false),
    };
  }

  return {
    params,
    search,
    setSearch: (value: string) => {
      setSearchInput(value);
      commitSearch(value);
    },
    setPage: (next: number) => update({ page: next > 1 ? String(next) : null }, false),
    filter: (name: string) => searchParams.get(name),
    setFilter: (name: string, value: string | null) => update({ [name]: value, page: null }, false),
    sort,
  };
}

export type ListState = ReturnType<typeof useListParams>;

type PagedResource<T> = {
  listKey: (params: ListParams) => readonly unknown[];
  list: (params: ListParams) => Promise<Page<T>>;
};

/** One page of a collection; the previous page stays on screen while the next loads. */
export function usePagedQuery<T>(
  resource: PagedResource<T>,
  params: ListParams,
  options: { refetchInterval?: (page: Page<T> | undefined) => number | false } = {},
) {
  const { refetchInterval } = options;
  return useQuery({
    queryKey: resource.listKey(params),
    queryFn: () => resource.list(params),
    placeholderData: keepPreviousData,
    ...(refetchInterval
      ? { refetchInterval: (q: { state: { data?: Page<T> } }) => refetchInterval(q.state.data) }
      : {}),
  });
}
