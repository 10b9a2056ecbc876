import { Alert, Anchor, Group, Text } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useSystemInfo } from '../api/system.ts';

/** Only web links; a banner is configuration, but a `javascript:` URL must never become a link. */
function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url, window.location.origin);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** The operator's notice from `GET /api/v1/system/info`, when there is one. */
export function SystemBanner() {
  const { data } = useSystemInfo();
  const banner = data?.banner;
  if (!banner) return null;
  const links = banner.links.filter((link) => isWebUrl(link.url));
  return (
    <Alert icon={<IconInfoCircle />} color="blue" mb="md" role="note" aria-label="Notice">
      <Group gap="md">
        <Text size="sm">{banner.text}</Text>
        {links.map((link) => (
          <Anchor key={link.url} href={link.url} target="_blank" rel="noopener noreferrer" size="sm">
            {link.label}
          </Anchor>
        ))}
      </Group>
    </Alert>
  );
}
