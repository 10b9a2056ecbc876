import type { Page } from '@trunkline/contracts';
import { channels } from '../api/channels.ts';
import { customers } from '../api/customers.ts';
import { users } from '../api/users.ts';
import type { ListParams } from '../api/resource.ts';
import { RemoteSelect } from './RemoteSelect.tsx';
import type { RemoteSelectProps } from './RemoteSelect.tsx';

type EntitySelectProps = Omit<RemoteSelectProps, 'queryKey' | 'load' | 'loadOne'>;

type Named = {
  id: string;
  name: string;
};

type NamedResource<T extends Named> = {
  key: readonly unknown[];
  list: (params: ListParams) => Promise<Page<T>>;
  get: (id: string) => Promise<T>;
};

const optionPageSize = 50;
const byName = (entity: Named) => ({ value: entity.id, label: entity.name });

/** A select over one collection of named records, searched on the server. */
function entitySelect<T extends Named>(
  resource: NamedResource<T>,
  toOption: (entity: T) => { value: string; label: string } = byName,
) {
  return function EntitySelect(props: EntitySelectProps) {
    return (
      <RemoteSelect
        {...props}
        queryKey={resource.key}
        load={(q) =>
          resource.list({ page: 1, pageSize: optionPageSize, q }).then((page) => page.items.map(toOption))
        }
        loadOne={(id) => resource.get(id).then(toOption)}
      />
    );
  };
}

export const ChannelSelect = entitySelect(channels);
export const CustomerSelect = entitySelect(customers);

/** Users by name and e-mail, since two people may share a name. */
export const UserSelect = entitySelect(users, (user) => ({
  value: user.id,
  label: `${user.name} (${user.email})`,
}));
