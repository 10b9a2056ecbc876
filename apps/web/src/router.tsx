import { createBrowserRouter, Navigate } from 'react-router-dom';
import { AppLayout } from './layout/AppLayout.tsx';
import { RouteError } from './layout/RouteError.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { ChannelsPage } from './pages/ChannelsPage.tsx';
import { CustomersPage } from './pages/CustomersPage.tsx';
import { InvitationsPage } from './pages/InvitationsPage.tsx';
import { InvitePage } from './pages/InvitePage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { OnboardingPage } from './pages/OnboardingPage.tsx';
import { NewTenantPage } from './pages/onboarding/NewTenantPage.tsx';
import { ServiceDetailPage } from './pages/ServiceDetailPage.tsx';
import { ServicesPage } from './pages/ServicesPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage />, errorElement: <RouteError /> },
  // Opened by a customer's IT administrator from an e-mail: no Trunkline account, so no login and no layout.
  { path: '/invite/:token', element: <InvitePage />, errorElement: <RouteError /> },
  {
    path: '/',
    element: <AppLayout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/services" replace /> },
      { path: 'services', element: <ServicesPage /> },
      { path: 'services/:id', element: <ServiceDetailPage /> },
      { path: 'onboarding/:customerId', element: <OnboardingPage /> },
      { path: 'onboarding/:customerId/new', element: <NewTenantPage /> },
      { path: 'invitations', element: <InvitationsPage /> },
      { path: 'customers', element: <CustomersPage /> },
      { path: 'channels', element: <ChannelsPage /> },
      { path: 'users', element: <UsersPage /> },
      { path: 'audit', element: <AuditPage /> },
      { path: 'settings', element: <SettingsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
