import { useState } from 'react';
import { Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { DatePickerInput, type DatesRangeValue } from '@mantine/dates';
import { services } from '../../api/services.ts';
import { CustomerSelect } from '../../ui/EntitySelects.tsx';
import { RemoteSelect } from '../../ui/RemoteSelect.tsx';
import {
  formatDay,
  MAX_CUSTOM_DAYS,
  parseDay,
  RANGE_PRESETS,
  rangeLabels,
  type Range,
  type RangeKind,
} from './range.ts';
import type { QoeFilterState } from './useQoeFilters.ts';

const optionPageSize = 50;

/** Services by name, within the chosen customer when there is one; the customer's name tells equal names apart. */
export function ServiceSelect({
  customerId,
  value,
  onChange,
}: {
  customerId: string | undefined;
  value: string | null;
  onChange: (id: string | null) => void;
}) {
  const option = (s: { id: string; fullName: string; customerName: string }) => ({
    value: s.id,
    label: customerId ? s.fullName : `${s.fullName} (${s.customerName})`,
  });
  return (
    <RemoteSelect
      label="Filter by service"
      placeholder="All services"
      clearable
      w={260}
      value={value}
      onChange={onChange}
      queryKey={[...services.key, 'qoe-select', customerId ?? null]}
      load={(q) =>
        services
          .list({ page: 1, pageSize: optionPageSize, q, customerId })
          .then((page) => page.items.map(option))
      }
      loadOne={(id) => services.get(id).then(option)}
    />
  );
}

/** Today and the days before it as YYYY-MM-DD: the custom range picks whole days up to today. */
const today = () => formatDay(new Date());

function CustomRangeInput({ range, onChange }: { range: Range; onChange: (next: Range) => void }) {
  const current: DatesRangeValue<string> = range.kind === 'custom' ? [range.from, range.to] : [null, null];
  // A half-chosen range (first day picked) stays here until the second day is picked.
  const [draft, setDraft] = useState<DatesRangeValue<string>>(current);
  const first = draft[0] ? parseDay(draft[0]) : null;
  const latest = first
    ? formatDay(new Date(first.getFullYear(), first.getMonth(), first.getDate() + MAX_CUSTOM_DAYS - 1))
    : today();
  return (
    <DatePickerInput
      type="range"
      label="Days"
      placeholder="Pick the first and last day"
      w={260}
      allowSingleDateInRange
      maxDate={latest < today() ? latest : today()}
      value={draft}
      valueFormat="YYYY-MM-DD"
      onChange={(value) => {
        setDraft(value);
        const [from, to] = value;
        if (from && to) onChange({ kind: 'custom', from, to });
      }}
    />
  );
}

/** Range presets, a custom range of days, customer and service. */
export function QoeFilters({ filters }: { filters: QoeFilterState }) {
  const { range } = filters;
  const kinds: RangeKind[] = [...RANGE_PRESETS, 'custom'];
  // "Custom" shows the day picker before any day is picked (the URL keeps the range in force until then).
  const [custom, setCustom] = useState(false);
  const shownKind: RangeKind = custom || range.kind === 'custom' ? 'custom' : range.kind;
  return (
    <Stack gap="xs">
      <Group align="flex-end">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="qoe-range-label">
            Time range
          </Text>
          <SegmentedControl
            aria-labelledby="qoe-range-label"
            value={shownKind}
            data={kinds.map((k) => ({ value: k, label: rangeLabels[k] }))}
            onChange={(value) => {
              const kind = value as RangeKind;
              setCustom(kind === 'custom');
              if (kind !== 'custom') filters.setRange({ kind });
            }}
          />
        </Stack>
        {shownKind === 'custom' && (
          <CustomRangeInput
            key={range.kind === 'custom' ? `${range.from}/${range.to}` : 'none'}
            range={range}
            onChange={filters.setRange}
          />
        )}
        <CustomerSelect
          label="Filter by customer"
          placeholder="All customers"
          clearable
          w={240}
          value={filters.customerId ?? null}
          onChange={filters.setCustomerId}
        />
        <ServiceSelect
          customerId={filters.customerId}
          value={filters.serviceId ?? null}
          onChange={filters.setServiceId}
        />
      </Group>
    </Stack>
  );
}
