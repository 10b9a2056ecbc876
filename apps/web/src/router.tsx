import { createBrowserRouter, Navigate } from 'react-router-dom';
import { AppLayout } from './layout/AppLayout.tsx';
import { RouteError } from './layout/RouteError.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { FullPageLoader } from './ui/FullPage.tsx';

/**
 * The sign-in page and the layout are in the initial bundle; every page is its own chunk, loaded when its route is
 * first visited (React Router's `lazy`: the current page stays until it has arrived). The page of the address the
 * app opens on is asked for as the router starts, alongside the first API calls.
 */
export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage />, errorElement: <RouteError /> },
  // Opened by a customer's IT administrator from an e-mail: no Trunkline account, so no login and no layout.
  {
    path: '/invite/:token',
    lazy: () => import('./pages/InvitePage.tsx').then((m) => ({ Component: m.InvitePage })),
    // Shown while the page of the address the app opens on arrives.
    hydrateFallbackElement: <FullPageLoader />,
    errorElement: <RouteError />,
  },
  {
    path: '/',
    element: <AppLayout />,
    hydrateFallbackElement: <FullPageLoader />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/services" replace /> },
      {
        path: 'services',
        lazy: () => import('./pages/ServicesPage.tsx').then((m) => ({ Component: m.ServicesPage })),
      },
      {
        path: 'services/:id',
        lazy: () => import('./pages/ServiceDetailPage.tsx').then((m) => ({ Component: m.ServiceDetailPage })),
      },
      {
        path: 'onboarding/:customerId',
        lazy: () => import('./pages/OnboardingPage.tsx').then((m) => ({ Component: m.OnboardingPage })),
      },
      {
        path: 'onboarding/:customerId/new',
        lazy: () =>
          import('./pages/onboarding/NewTenantPage.tsx').then((m) => ({ Component: m.NewTenantPage })),
      },
      {
        path: 'quality',
        lazy: () => import('./pages/qoe/QoePage.tsx').then((m) => ({ Component: m.QoePage })),
      },
      {
        path: 'quality/services/:serviceId/calls/:callId',
        lazy: () => import('./pages/qoe/QoeCallPage.tsx').then((m) => ({ Component: m.QoeCallPage })),
      },
      {
        path: 'invitations',
        lazy: () => import('./pages/InvitationsPage.tsx').then((m) => ({ Component: m.InvitationsPage })),
      },
      {
        path: 'customers',
        lazy: () => import('./pages/CustomersPage.tsx').then((m) => ({ Component: m.CustomersPage })),
      },
      {
        path: 'channels',
        lazy: () => import('./pages/ChannelsPage.tsx').then((m) => ({ Component: m.ChannelsPage })),
      },
      {
        path: 'users',
        lazy: () => import('./pages/UsersPage.tsx').then((m) => ({ Component: m.UsersPage })),
      },
      {
        path: 'audit',
        lazy: () => import('./pages/AuditPage.tsx').then((m) => ({ Component: m.AuditPage })),
      },
      {
        path: 'settings',
        lazy: () => import('./pages/SettingsPage.tsx').then((m) => ({ Component: m.SettingsPage })),
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
