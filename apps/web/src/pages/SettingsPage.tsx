import { Stack, Title } from '@mantine/core';
import { ApiTokensSection } from './settings/ApiTokensSection.tsx';
import { ProviderSection } from './settings/ProviderSection.tsx';
import { RoutingSection } from './settings/RoutingSection.tsx';
import { SbcsSection } from './settings/SbcsSection.tsx';
import { TwoFactorSection } from './settings/TwoFactorSection.tsx';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { isProviderAdmin, may } from '../auth/permissions.ts';

export function SettingsPage() {
  const me = useCurrentUser();
  const providerAdmin = isProviderAdmin(me);
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <ProviderSection />
      {providerAdmin && <RoutingSection />}
      {may(me, 'sbcs.view') && <SbcsSection />}
      <TwoFactorSection />
      <ApiTokensSection />
    </Stack>
  );
}
