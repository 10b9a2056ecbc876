import { Alert, Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconClockX, IconLinkOff } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import type { InvitationView } from '@trunkline/contracts';
import { ApiError, errorMessage } from '../api/client.ts';
import { invitations } from '../api/invitations.ts';
import { SystemBanner } from '../layout/SystemBanner.tsx';
import { formatDateTime } from '../ui/format.ts';

function Details({ view }: { view: InvitationView }) {
  return (
    <Stack gap={4}>
      <Text size="sm">
        <Text span c="dimmed" size="sm">
          Provider:{' '}
        </Text>
        {view.providerName}
      </Text>
      <Text size="sm">
        <Text span c="dimmed" size="sm">
          Customer:{' '}
        </Text>
        {view.customerName}
      </Text>
      <Text size="sm">
        <Text span c="dimmed" size="sm">
          Service:{' '}
        </Text>
        {view.serviceName}
      </Text>
    </Stack>
  );
}

function State({ view }: { view: InvitationView }) {
  switch (view.state) {
    case 'valid':
      return (
        <Alert color="green" icon={<IconCircleCheck />} title="This link is valid" role="status">
          It can be used until {formatDateTime(view.expiresAt)}. The Microsoft 365 sign-in comes next: a
          Global administrator (or a Service account administrator) of your tenant signs in and approves{' '}
          {view.providerName}&apos;s access. Keep this link until then.
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
    case 'revoked':
      return (
        <Alert color="gray" icon={<IconLinkOff />} title="This link has been withdrawn" role="status">
          {view.providerName} revoked this invitation. Ask them for a new one if you still need it.
        </Alert>
      );
  }
}

/** `/invite/:token`: what an IT administrator sees on following an invitation link; no Trunkline account needed. */
export function InvitePage() {
  const token = useParams().token ?? '';
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
                  {query.data.providerName} is setting up Microsoft Teams calling (Direct Routing) for{' '}
                  {query.data.customerName}.
                </Text>
                <Details view={query.data} />
                <State view={query.data} />
              </>
            )}
          </Stack>
        </Paper>
      </Stack>
    </Center>
  );
}
