import { NavLink } from '@mantine/core';
import { Link, useLocation } from 'react-router-dom';
import {
  IconAffiliate,
  IconBuildingSkyscraper,
  IconChartBar,
  IconHistory,
  IconMailForward,
  IconPhoneCall,
  IconSettings,
  IconUsers,
} from '@tabler/icons-react';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { mayOpen, type NavPage } from '../auth/permissions.ts';

type Item = {
  to: string;
  label: string;
  icon: typeof IconPhoneCall;
  also?: string[];
  /** The page is in the menu only for roles that may use it (the server's permission table). */
  page: NavPage;
};

const items: Item[] = [
  { to: '/services', label: 'Services', icon: IconPhoneCall, also: ['/onboarding'], page: 'services' },
  { to: '/quality', label: 'Call quality', icon: IconChartBar, page: 'quality' },
  { to: '/invitations', label: 'Invitations', icon: IconMailForward, page: 'invitations' },
  { to: '/customers', label: 'Customers', icon: IconBuildingSkyscraper, page: 'customers' },
  { to: '/channels', label: 'Channels', icon: IconAffiliate, page: 'channels' },
  { to: '/users', label: 'Users', icon: IconUsers, page: 'users' },
  { to: '/audit', label: 'Audit', icon: IconHistory, page: 'audit' },
  { to: '/settings', label: 'Settings', icon: IconSettings, page: 'settings' },
];

export function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const { pathname } = useLocation();
  const me = useCurrentUser();
  return (
    <nav aria-label="Main">
      {items
        .filter((item) => mayOpen(me, item.page))
        .map((item) => {
          const { to, label, icon: Icon } = item;
          const prefixes = [to, ...(item.also ?? [])];
          const active = prefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
          return (
            <NavLink
              key={to}
              component={Link}
              to={to}
              label={label}
              leftSection={<Icon size={18} stroke={1.6} />}
              active={active}
              aria-current={active ? 'page' : undefined}
              onClick={onNavigate}
            />
          );
        })}
    </nav>
  );
}
