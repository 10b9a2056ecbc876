import { Stack, Title } from '@mantine/core';
import { ApiTokensSection } from './settings/ApiTokensSection.tsx';

export function SettingsPage() {
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <ApiTokensSection />
    </Stack>
  );
}
