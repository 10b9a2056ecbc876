import {
  Alert,
  Button,
  Center,
  Divider,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { LoginBodySchema, MicrosoftSignInStartSchema } from '@trunkline/contracts';
import type { LoginBody, Me, MicrosoftSignInStart, SignInChallenge } from '@trunkline/contracts';
import { api } from '../api/client.ts';
import { useSystemInfo } from '../api/system.ts';
import { isChallenge, signInWithPassword } from '../api/twoFactor.ts';
import { meKey, safeNext } from '../auth/session.ts';
import { TwoFactorStep } from './login/TwoFactorStep.tsx';
import { SystemBanner } from '../layout/SystemBanner.tsx';
import { useFormMutation, zodValidate } from '../ui/form.ts';
import { FormAlert } from '../ui/FormAlert.tsx';

export function LoginPage() {
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const queryClient = useQueryClient();
  const system = useSystemInfo();

  const form = useForm<LoginBody>({
    initialValues: { email: '', password: '' },
    validate: zodValidate(LoginBodySchema),
  });
  const signedIn = (me: Me) => {
    queryClient.setQueryData(meKey, me);
    void navigate(safeNext(searchParams.get('next')), { replace: true });
  };
  // With two-factor sign-in the password answers a challenge for the second step, not a session.
  const [challenge, setChallenge] = useState<SignInChallenge | null>(null);
  const signIn = useFormMutation(form, {
    mutationFn: signInWithPassword,
    onSuccess: (result) => (isChallenge(result) ? setChallenge(result) : signedIn(result)),
  });

  // Sign in with Microsoft: the work e-mail names the tenant; the browser goes to Microsoft and comes back.
  const [withMicrosoft, setWithMicrosoft] = useState(false);
  const msForm = useForm<MicrosoftSignInStart>({
    initialValues: { email: '' },
    validate: zodValidate(MicrosoftSignInStartSchema),
  });
  const msStart = useFormMutation(msForm, {
    mutationFn: (body: MicrosoftSignInStart) =>
      api.post<{ redirectUrl: string }>('/session/microsoft', body, { redirectOn401: false }),
    onSuccess: ({ redirectUrl }) => window.location.assign(redirectUrl),
  });
  const returnedError = searchParams.get('error');

  return (
    <Center mih="100vh" p="md">
      <Stack w={380} maw="100%">
        <SystemBanner />
        <Paper withBorder shadow="sm" p="xl" radius="md">
          {challenge ? (
            <TwoFactorStep
              challenge={challenge}
              onSignedIn={signedIn}
              onRestart={() => {
                setChallenge(null);
                form.setFieldValue('password', '');
              }}
            />
          ) : (
            <>
              <form onSubmit={form.onSubmit((values) => signIn.mutate(values))} noValidate>
                <Stack>
                  <div>
                    <Title order={2}>Trunkline</Title>
                    <Text c="dimmed" size="sm">
                      Sign in to manage Teams Direct Routing
                    </Text>
                  </div>
                  <FormAlert message={signIn.alert} />
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
              <Divider my="md" label="or" labelPosition="center" />
              {returnedError && (
                <Alert color="red" role="alert" mb="sm" title="Sign in with Microsoft">
                  {returnedError}
                </Alert>
              )}
              {withMicrosoft ? (
                <form onSubmit={msForm.onSubmit((values) => msStart.mutate(values))} noValidate>
                  <Stack gap="sm">
                    <TextInput
                      label="Work e-mail"
                      description="Your Microsoft 365 account; your organization's service must grant customer admins access."
                      type="email"
                      autoComplete="username"
                      autoFocus
                      {...msForm.getInputProps('email')}
                    />
                    <FormAlert message={msStart.alert} />
                    <Button type="submit" variant="default" loading={msStart.isPending} fullWidth>
                      Continue with Microsoft
                    </Button>
                  </Stack>
                </form>
              ) : (
                <Button variant="default" fullWidth onClick={() => setWithMicrosoft(true)}>
                  Sign in with Microsoft
                </Button>
              )}
            </>
          )}
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
