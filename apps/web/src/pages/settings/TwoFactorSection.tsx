import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TwoFactorEnrolment } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { twoFactor } from '../../api/twoFactor.ts';
import { formatDateTime } from '../../ui/format.ts';
import { notifySuccess } from '../../ui/notify.ts';
import { RecoveryCodesShownOnce } from './RecoveryCodesShownOnce.tsx';
import { TotpSetup } from './TotpSetup.tsx';

type Stage =
  | { kind: 'idle' }
  | { kind: 'enrolling'; enrolment: TwoFactorEnrolment }
  | { kind: 'codes'; codes: string[] };

/** The signed-in user's own two-factor sign-in: set up (QR + first code), recovery codes, turning off. */
export function TwoFactorSection() {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: twoFactor.key, queryFn: twoFactor.status });
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [code, setCode] = useState('');
  const refresh = () => void queryClient.invalidateQueries({ queryKey: twoFactor.key });
  const done = () => {
    setCode('');
    refresh();
  };

  const start = useMutation({
    mutationFn: twoFactor.startEnrolment,
    onSuccess: (enrolment) => setStage({ kind: 'enrolling', enrolment }),
  });
  const confirm = useMutation({
    mutationFn: () => twoFactor.confirmEnrolment(code.trim()),
    onSuccess: ({ recoveryCodes }) => {
      setStage({ kind: 'codes', codes: recoveryCodes });
      done();
    },
  });
  const renew = useMutation({
    mutationFn: () => twoFactor.newRecoveryCodes(code.trim()),
    onSuccess: ({ recoveryCodes }) => {
      setStage({ kind: 'codes', codes: recoveryCodes });
      done();
    },
  });
  const disable = useMutation({
    mutationFn: () => twoFactor.disable(code.trim()),
    onSuccess: () => {
      notifySuccess('Two-factor sign-in is off.');
      setStage({ kind: 'idle' });
      done();
    },
  });
  const failed = start.error ?? confirm.error ?? renew.error ?? disable.error;
  const s = status.data;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="two-factor-title">
      <Stack>
        <Group justify="space-between">
          <Title order={3} id="two-factor-title">
            Two-factor sign-in
          </Title>
          {s && (
            <Badge color={s.enabled ? 'green' : 'gray'} variant="light">
              {s.enabled ? 'On' : 'Off'}
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          After your password, Trunkline asks for a code from an authenticator app on your phone. Signing in
          with Microsoft uses your organization&apos;s own multi-factor sign-in instead.
          {s?.required && ' Your provider requires it for your role.'}
        </Text>
        {failed && (
          <Alert color="red" role="alert">
            {errorMessage(failed)}
          </Alert>
        )}
        {stage.kind === 'codes' && (
          <RecoveryCodesShownOnce codes={stage.codes} onDone={() => setStage({ kind: 'idle' })} />
        )}
        {s && !s.enabled && stage.kind === 'idle' && (
          <Group>
            <Button onClick={() => start.mutate()} loading={start.isPending}>
              Set up two-factor sign-in
            </Button>
          </Group>
        )}
        {s && !s.enabled && stage.kind === 'enrolling' && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              confirm.mutate();
            }}
          >
            <Stack>
              <TotpSetup enrolment={stage.enrolment} />
              <TextInput
                label="Code from the app"
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
                w={200}
              />
              <Group>
                <Button type="submit" loading={confirm.isPending}>
                  Turn on
                </Button>
                <Button variant="default" onClick={() => setStage({ kind: 'idle' })}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {s?.enabled && stage.kind !== 'codes' && (
          <Stack>
            <Text size="sm">
              On since {formatDateTime(s.enabledAt)}; {s.recoveryCodesLeft} recovery code
              {s.recoveryCodesLeft === 1 ? '' : 's'} left.
            </Text>
            <Group align="flex-end">
              <TextInput
                label="Current code"
                description={
                  s.required ? 'To make new recovery codes.' : 'To make new recovery codes or turn it off.'
                }
                autoComplete="one-time-code"
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
                w={240}
              />
              <Button variant="default" onClick={() => renew.mutate()} loading={renew.isPending}>
                New recovery codes
              </Button>
              {!s.required && (
                <Button
                  color="red"
                  variant="light"
                  onClick={() => disable.mutate()}
                  loading={disable.isPending}
                >
                  Turn off
                </Button>
              )}
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
