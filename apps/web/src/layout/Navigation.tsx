import { NavLink } from '@mantine/core';
import { Link, useLocation } from 'react-router-dom';
import {
  IconAffiliate,
  IconBuildingSkyscraper,
  IconHistory,
  IconMailForward,
  IconPhoneCall,
  IconSettings,
  IconUsers,
} from '@tabler/icons-react';

const items = [
  { to: '/services', label: 'Services', icon: IconPhoneCall, also: ['/onboarding'] },
  { to: '/invitations', label: 'Invitations', icon: IconMailForward },
  { to: '/customers', label: 'Customers', icon: IconBuildingSkyscraper },
  { to: '/channels', label: 'Channels', icon: IconAffiliate },
  { to: '/users', label: 'Users', icon: IconUsers },
  { to: '/audit', label: 'Audit', icon: IconHistory },
  { to: '/settings', label: 'Settings', icon: IconSettings },
] as const;

export function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const { pathname } = useLocation();
  return (
    <nav aria-label="Main">
      {items.map((item) => {
        const { to, label, icon: Icon } = item;
        const prefixes = [to, ...('also' in item ? item.also : [])];
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
