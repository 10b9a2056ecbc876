import { useState } from 'react';
import { Alert, Button, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { Me, SignInChallenge } from '@trunkline/contracts';
import { ApiError, errorMessage } from '../../api/client.ts';
import { twoFactor } from '../../api/twoFactor.ts';
import { RecoveryCodesShownOnce } from '../settings/RecoveryCodesShownOnce.tsx';
import { TotpSetup } from '../settings/TotpSetup.tsx';

/**
 * The second step of a password sign-in: the code of the authenticator app (or a recovery code); or, when the
 * provider requires two-factor sign-in and it is not set up yet, the set-up itself.
 */
export function TwoFactorStep({
  challenge,
  onSignedIn,
  onRestart,
}: {
  challenge: SignInChallenge;
  onSignedIn: (me: Me) => void;
  onRestart: () => void;
}) {
  const enrolling = challenge.twoFactor === 'enrol';
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<{ me: Me; codes: string[] } | null>(null);
  const enrolment = useQuery({
    queryKey: ['two-factor-sign-in-enrolment', challenge.challenge],
    queryFn: () => twoFactor.enrolForSignIn(challenge.challenge),
    enabled: enrolling,
    staleTime: Infinity,
    retry: false,
  });
  const submit = useMutation({
    mutationFn: () => twoFactor.signIn({ challenge: challenge.challenge, code: code.trim() }),
    onSuccess: ({ recoveryCodes, ...me }) => {
      if (recoveryCodes) setCodes({ me, codes: recoveryCodes });
      else onSignedIn(me);
    },
  });
  // 401: the challenge expired or took too many wrong codes; the password step starts again.
  const expired = submit.error instanceof ApiError && submit.error.status === 401;

  if (codes) return <RecoveryCodesShownOnce codes={codes.codes} onDone={() => onSignedIn(codes.me)} />;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit.mutate();
      }}
      noValidate
    >
      <Stack>
        <div>
          <Title order={2}>Two-factor sign-in</Title>
          <Text c="dimmed" size="sm">
            {enrolling
              ? 'Your provider requires a second factor for your role. Set it up now to sign in.'
              : 'Enter the code from your authenticator app, or one of your recovery codes.'}
          </Text>
        </div>
        {enrolling && enrolment.data && <TotpSetup enrolment={enrolment.data} />}
        {(enrolment.error ?? submit.error) && (
          <Alert color="red" role="alert">
            {errorMessage(enrolment.error ?? submit.error)}
          </Alert>
        )}
        <TextInput
          label={enrolling ? 'Code from the app' : 'Code'}
          autoComplete="one-time-code"
          autoFocus
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
        />
        {expired ? (
          <Button onClick={onRestart} fullWidth>
            Start again
          </Button>
        ) : (
          <Button type="submit" loading={submit.isPending} fullWidth>
            {enrolling ? 'Turn on and sign in' : 'Sign in'}
          </Button>
        )}
        {!expired && (
          <Button variant="subtle" onClick={onRestart} fullWidth>
            Back
          </Button>
        )}
      </Stack>
    </form>
  );
}
