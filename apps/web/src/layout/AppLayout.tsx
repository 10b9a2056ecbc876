import { AppShell } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { ApiError } from '../api/client.ts';
import { CurrentUserContext } from '../auth/CurrentUser.tsx';
import { fetchMe, loginUrl, meKey } from '../auth/session.ts';
import { FullPageError, FullPageLoader } from '../ui/FullPage.tsx';
import { AppHeader } from './AppHeader.tsx';
import { Navigation } from './Navigation.tsx';
import { SystemBanner } from './SystemBanner.tsx';

/** Everything behind the login: loads the signed-in user, then header, navigation, banner and the page. */
export function AppLayout() {
  const [navbarOpened, { toggle, close }] = useDisclosure();
  const me = useQuery({ queryKey: meKey, queryFn: fetchMe, staleTime: 5 * 60_000 });
  const location = useLocation();

  // A 401 is handled by the API client, which is already on its way to the login page.
  if (me.isPending || (me.error instanceof ApiError && me.error.status === 401)) return <FullPageLoader />;
  if (me.isError) return <FullPageError error={me.error} onRetry={() => void me.refetch()} />;
  // Nobody is signed in: the login page, and back here afterwards.
  if (me.data === null) return <Navigate to={loginUrl(location.pathname, location.search)} replace />;

  return (
    <CurrentUserContext value={me.data}>
      <AppShell
        header={{ height: 56 }}
        navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !navbarOpened } }}
        padding="md"
      >
        <AppShell.Header>
          <AppHeader navbarOpened={navbarOpened} onToggleNavbar={toggle} />
        </AppShell.Header>
        <AppShell.Navbar p="xs">
          <Navigation onNavigate={close} />
        </AppShell.Navbar>
        <AppShell.Main>
          <SystemBanner />
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </CurrentUserContext>
  );
}
