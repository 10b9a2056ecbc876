import { Stack, Title } from '@mantine/core';
import { ApiTokensSection } from './settings/ApiTokensSection.tsx';
import { ProviderSection } from './settings/ProviderSection.tsx';
import { RoutingSection } from './settings/RoutingSection.tsx';
import { TwoFactorSection } from './settings/TwoFactorSection.tsx';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { isProviderAdmin } from '../auth/permissions.ts';

export function SettingsPage() {
  const providerAdmin = isProviderAdmin(useCurrentUser());
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <ProviderSection />
      {providerAdmin && <RoutingSection />}
      <TwoFactorSection />
      <ApiTokensSection />
    </Stack>
  );
}
