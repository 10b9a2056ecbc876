import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { LoginBodySchema } from '@trunkline/contracts';
import type { LoginBody } from '@trunkline/contracts';
import { useSystemInfo } from '../api/system.ts';
import { login, meKey, safeNext } from '../auth/session.ts';
import { SystemBanner } from '../layout/SystemBanner.tsx';
import { useFormMutation, zodValidate } from '../ui/form.ts';

export function LoginPage() {
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const queryClient = useQueryClient();
  const system = useSystemInfo();

  const form = useForm<LoginBody>({
    initialValues: { email: '', password: '' },
    validate: zodValidate(LoginBodySchema),
  });
  const signIn = useFormMutation(form, {
    mutationFn: login,
    onSuccess: (me) => {
      queryClient.setQueryData(meKey, me);
      void navigate(safeNext(searchParams.get('next')), { replace: true });
    },
  });

  return (
    <Center mih="100vh" p="md">
      <Stack w={380} maw="100%">
        <SystemBanner />
        <Paper withBorder shadow="sm" p="xl" radius="md">
          <form onSubmit={form.onSubmit((values) => signIn.mutate(values))} noValidate>
            <Stack>
              <div>
                <Title order={2}>Trunkline</Title>
                <Text c="dimmed" size="sm">
                  Sign in to manage Teams Direct Routing
                </Text>
              </div>
              {signIn.alert && (
                <Alert color="red" role="alert">
                  {signIn.alert}
                </Alert>
              )}
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                autoFocus
                {...form.getInputProps('email')}
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                {...form.getInputProps('password')}
              />
              <Button type="submit" loading={signIn.isPending} fullWidth>
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
        {system.data && (
          <Text c="dimmed" size="xs" ta="center">
            {system.data.name} {system.data.version}
          </Text>
        )}
      </Stack>
    </Center>
  );
}
