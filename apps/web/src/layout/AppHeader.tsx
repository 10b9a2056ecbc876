import { Badge, Burger, Button, Group, Text, Title } from '@mantine/core';
import { IconLogout } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { roleLabels } from '@trunkline/contracts';
import { forgetSession, loginPath, logout } from '../auth/session.ts';
import { useCurrentUser } from '../auth/CurrentUser.tsx';
import { notifyError } from '../ui/notify.ts';

type AppHeaderProps = {
  navbarOpened: boolean;
  onToggleNavbar: () => void;
};

export function AppHeader({ navbarOpened, onToggleNavbar }: AppHeaderProps) {
  const me = useCurrentUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: logout,
    onSuccess: async () => {
      await navigate(loginPath, { replace: true });
      forgetSession(queryClient);
    },
    onError: notifyError,
  });

  return (
    <Group h="100%" px="md" justify="space-between" wrap="nowrap">
      <Group gap="sm" wrap="nowrap">
        <Burger
          opened={navbarOpened}
          onClick={onToggleNavbar}
          hiddenFrom="sm"
          size="sm"
          aria-label="Toggle navigation"
        />
        <Title order={3}>Trunkline</Title>
      </Group>
      <Group gap="sm" wrap="nowrap">
        <Text size="sm" fw={500} visibleFrom="xs">
          {me.name}
        </Text>
        <Badge variant="light" visibleFrom="xs">
          {roleLabels[me.role]}
        </Badge>
        <Button
          variant="default"
          size="xs"
          leftSection={<IconLogout size={16} />}
          onClick={() => signOut.mutate()}
          loading={signOut.isPending}
        >
          Sign out
        </Button>
      </Group>
    </Group>
  );
}
