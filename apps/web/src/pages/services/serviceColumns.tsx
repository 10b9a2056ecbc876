import { Anchor } from '@mantine/core';
import { Link } from 'react-router-dom';
import { LifecycleStates, lifecycleStateMeta, ServiceSortFields } from '@trunkline/contracts';
import type { Service } from '@trunkline/contracts';
import type { Column } from '../../ui/DataTable.tsx';
import { formatDateTime } from '../../ui/format.ts';
import type { SortOptions } from '../../ui/list.ts';
import { LifecycleBadge, LifecycleProgress } from './lifecycle.tsx';
import { HealthSummary } from './HealthLight.tsx';

export const serviceSort: SortOptions = {
  fields: ServiceSortFields,
  defaultField: 'createdAt',
  defaultOrder: 'desc',
};

/** The states of the one lifecycle derivation, as the list filter offers them (`?state=`). */
export const serviceStateOptions = LifecycleStates.map((state) => ({
  value: state,
  label: lifecycleStateMeta[state].label,
}));

/** The columns of a services table; a customer's own list leaves out the customer. */
export function serviceColumns({ withCustomer }: { withCustomer: boolean }): Column<Service>[] {
  const columns: Column<Service>[] = [
    {
      key: 'fullName',
      header: 'Full name',
      sortKey: 'fullName',
      render: (s) => (
        <Anchor component={Link} to={`/services/${encodeURIComponent(s.id)}`} size="sm">
          {s.fullName}
        </Anchor>
      ),
    },
    { key: 'shortName', header: 'Short name', sortKey: 'shortName', render: (s) => s.shortName },
  ];
  if (withCustomer) {
    columns.push({
      key: 'customer',
      header: 'Customer',
      sortKey: 'customerName',
      render: (s) => (
        <Anchor component={Link} to={`/onboarding/${encodeURIComponent(s.customerId)}`} size="sm">
          {s.customerName}
        </Anchor>
      ),
    });
  }
  columns.push(
    { key: 'licenseType', header: 'Licence type', render: (s) => s.licenseTypeName },
    {
      key: 'licensedUsers',
      header: 'Licensed users',
      sortKey: 'licensedUsers',
      render: (s) => s.licensedUsers,
    },
    {
      key: 'status',
      header: 'Status',
      sortKey: 'status',
      render: (s) => <LifecycleBadge lifecycle={s.lifecycle} />,
    },
    {
      key: 'progress',
      header: 'Onboarding',
      nowrap: true,
      render: (s) => <LifecycleProgress lifecycle={s.lifecycle} />,
    },
    {
      key: 'health',
      header: 'Health',
      nowrap: true,
      render: (s) => <HealthSummary health={s.health} />,
    },
    {
      key: 'created',
      header: 'Created',
      sortKey: 'createdAt',
      nowrap: true,
      render: (s) => formatDateTime(s.createdAt),
    },
  );
  return columns;
}
