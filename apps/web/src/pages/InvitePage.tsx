import { Alert, Button, Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconClockX,
  IconLinkOff,
  IconMailForward,
} from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router-dom';
import type { InvitationView } from '@trunkline/contracts';
import { ApiError, errorMessage } from '../api/client.ts';
import { invitations } from '../api/invitations.ts';
import { SystemBanner } from '../layout/SystemBanner.tsx';
import { formatDateTime } from '../ui/format.ts';
import { OwnAppForm } from './invite/OwnAppForm.tsx';
import { useState } from 'react';
import type { ConnectionAttempt } from '@trunkline/contracts';

function Details({ view }: { view: InvitationView }) {
  // A link that no longer works names no customer or service.
  if (view.customerName === null) return null;
  const details = [
    ['Provider', view.providerName],
    ['Customer', view.customerName],
    ['Service', view.serviceName],
  ] as const;
  return (
    <Stack gap={4}>
      {details.map(([label, value]) => (
        <Text key={label} size="sm">
          <Text span c="dimmed" size="sm">
            {label}:{' '}
          </Text>
          {value}
        </Text>
      ))}
    </Stack>
  );
}

function State({ view }: { view: InvitationView }) {
  switch (view.state) {
    case 'valid':
      return (
        <Alert color="green" icon={<IconCircleCheck />} title="This link is valid" role="status">
          It can be used until {formatDateTime(view.expiresAt)}. Next, a Global administrator of your tenant
          signs in to Microsoft and consents to {view.providerName}&apos;s application for your organisation,
          so that {view.providerName} can configure Teams Direct Routing.
        </Alert>
      );
    case 'expired':
      return (
        <Alert color="orange" icon={<IconClockX />} title="This link has expired" role="status">
          It expired on {formatDateTime(view.expiresAt)}. Ask {view.providerName} to send a new one.
        </Alert>
      );
    case 'used':
      return (
        <Alert color="blue" icon={<IconCircleCheck />} title="This link has already been used" role="status">
          The Microsoft 365 connection for this service was already made with it. Nothing more to do here.
        </Alert>
      );
    case 'superseded':
      return (
        <Alert color="blue" icon={<IconMailForward />} title="A newer link was sent" role="status">
          {view.providerName} sent a newer invitation for this service, and this older link no longer works.
          Open the link in the most recent e-mail from {view.providerName}, or ask them to send it again.
        </Alert>
      );
    case 'revoked':
      return (
        <Alert color="gray" icon={<IconLinkOff />} title="This link has been withdrawn" role="status">
          {view.providerName} revoked this invitation. Ask them for a new one if you still need it.
        </Alert>
      );
  }
}

const consentOutcomes: Record<string, { color: string; title: string }> = {
  done: { color: 'green', title: 'Connected — you can close this window' },
  confirming: { color: 'blue', title: 'Consent given — confirming access' },
  denied: { color: 'orange', title: 'Consent was not given' },
  failed: { color: 'red', title: 'The connection could not be confirmed' },
  'tenant-taken': { color: 'red', title: 'This tenant belongs to another customer' },
};

/** The outcome of a consent round trip, from Trunkline's redirect back to this page. */
function ConsentOutcome() {
  const [params] = useSearchParams();
  const outcome = consentOutcomes[params.get('consent') ?? ''];
  if (!outcome) return null;
  return (
    <Alert color={outcome.color} title={outcome.title} role="status">
      {params.get('message') ??
        'Microsoft 365 is connected. Your provider continues the Teams Direct Routing set-up from here.'}
    </Alert>
  );
}

/** `/invite/:token`: what an IT administrator sees on following an invitation link; no Trunkline account needed. */
export function InvitePage() {
  const token = useParams().token ?? '';
  const [ownApp, setOwnApp] = useState<ConnectionAttempt | null>(null);
  const delegated = useMutation({
    mutationFn: () => invitations.startDelegated(token),
    onSuccess: ({ redirectUrl }) => window.location.assign(redirectUrl),
  });
  const consent = useMutation({
    mutationFn: () => invitations.startConsent(token),
    onSuccess: ({ redirectUrl }) => window.location.assign(redirectUrl),
  });
  const query = useQuery({
    queryKey: ['invite', token],
    queryFn: () => invitations.open(token),
    staleTime: Infinity,
    retry: false,
  });
  // A malformed token fails the server's schema (422); to the visitor that is the same as an unknown one.
  const unknown =
    query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 422);

  return (
    <Center mih="100vh" p="md">
      <Stack w={560} maw="100%">
        <SystemBanner />
        <Paper withBorder shadow="sm" p="xl" radius="md">
          <Stack>
            <Title order={2}>Connect Microsoft Teams</Title>
            {query.isPending && (
              <Center py="md">
                <Loader aria-label="Loading" />
              </Center>
            )}
            {unknown && (
              <Alert color="red" icon={<IconAlertTriangle />} title="This link is not valid" role="alert">
                Check that you opened the whole link from the e-mail. If it still does not work, ask your
                provider for a new one.
              </Alert>
            )}
            {query.isError && !unknown && (
              <Alert color="red" role="alert">
                {errorMessage(query.error)}
              </Alert>
            )}
            {query.data && (
              <>
                <Text size="sm">
                  {query.data.providerName} is setting up Microsoft Teams calling (Direct Routing)
                  {query.data.customerName ? ` for ${query.data.customerName}` : ''}.
                </Text>
                <Details view={query.data} />
                <ConsentOutcome />
                <State view={query.data} />
                {ownApp && (
                  <Alert color="green" title="Connected — you can close this window" role="status">
                    {ownApp.message}
                  </Alert>
                )}
                {query.data.state === 'valid' && (
                  <>
                    <Button onClick={() => consent.mutate()} loading={consent.isPending} autoFocus>
                      Sign in to Microsoft and consent
                    </Button>
                    {consent.isError && (
                      <Alert color="red" role="alert">
                        {errorMessage(consent.error)}
                      </Alert>
                    )}
                    <Button variant="light" onClick={() => delegated.mutate()} loading={delegated.isPending}>
                      Sign in as administrator (delegated token)
                    </Button>
                    {delegated.isError && (
                      <Alert color="red" role="alert">
                        {errorMessage(delegated.error)}
                      </Alert>
                    )}
                    <OwnAppForm token={token} onConnected={setOwnApp} />
                  </>
                )}
              </>
            )}
          </Stack>
        </Paper>
      </Stack>
    </Center>
  );
}
