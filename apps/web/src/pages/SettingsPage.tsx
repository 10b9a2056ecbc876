import { Stack, Title } from '@mantine/core';
import { ApiTokensSection } from './settings/ApiTokensSection.tsx';
import { ProviderSection } from './settings/ProviderSection.tsx';

export function SettingsPage() {
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <ProviderSection />
      <ApiTokensSection />
    </Stack>
  );
}
