import { NavLink } from '@mantine/core';
import { Link, useLocation } from 'react-router-dom';
import {
  IconAffiliate,
  IconBuildingSkyscraper,
  IconHistory,
  IconPhoneCall,
  IconSettings,
  IconUsers,
} from '@tabler/icons-react';

const items = [
  { to: '/services', label: 'Services', icon: IconPhoneCall },
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
      {items.map(({ to, label, icon: Icon }) => {
        const active = pathname === to || pathname.startsWith(`${to}/`);
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
