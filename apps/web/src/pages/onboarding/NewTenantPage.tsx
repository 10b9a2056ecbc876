import { useState } from 'react';
import { Alert, Anchor, Button, Center, Loader, Stack, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ServiceDraft } from '@trunkline/contracts';
import { Link, useParams } from 'react-router-dom';
import { errorMessage } from '../../api/client.ts';
import { customers } from '../../api/customers.ts';
import { licenseTypes, serviceDrafts } from '../../api/services.ts';
import { providerSettings } from '../../api/settings.ts';
import { NewTenantWizard } from './NewTenantWizard.tsx';

/** `/onboarding/:customerId/new`: loads what the form needs (and the draft it may resume), then the form. */
export function NewTenantPage() {
  const customerId = useParams().customerId ?? '';
  const [generation, setGeneration] = useState(0);
  const customer = useQuery(customers.itemQuery(customerId));
  // The draft is read once per form: later saves must not reset what the user is typing.
  const draft = useQuery({
    ...serviceDrafts.query(customerId),
    staleTime: 0,
    refetchOnMount: 'always',
  });
  const types = useQuery({ queryKey: licenseTypes.key, queryFn: licenseTypes.list, staleTime: 5 * 60_000 });
  const settings = useQuery({ queryKey: providerSettings.key, queryFn: providerSettings.get });
  const [initialDraft, setInitialDraft] = useState<{ formKey: string; draft: ServiceDraft | null } | null>(
    null,
  );
  // A new form for another customer, or after the draft was discarded.
  const formKey = `${customerId}:${generation}`;

  const back = `/onboarding/${encodeURIComponent(customerId)}`;
  const failed = [customer, draft, types].find((q) => q.isError);
  const ready = customer.data && types.data && draft.isSuccess && !draft.isFetching;

  // Freeze the draft the form started from, so the saves that follow (which update the cache) do not reach it.
  if (ready && initialDraft?.formKey !== formKey) setInitialDraft({ formKey, draft: draft.data ?? null });

  return (
    <Stack>
      <Anchor component={Link} to={back} size="sm">
        ← Onboarding{customer.data ? ` — ${customer.data.name}` : ''}
      </Anchor>
      <Title order={2}>New tenant{customer.data ? ` — ${customer.data.name}` : ''}</Title>
      {failed ? (
        <Stack align="flex-start">
          <Alert color="red" role="alert">
            {errorMessage(failed.error)}
          </Alert>
          <Button
            variant="default"
            onClick={() => void Promise.all([customer.refetch(), draft.refetch(), types.refetch()])}
          >
            Try again
          </Button>
        </Stack>
      ) : ready && initialDraft?.formKey === formKey ? (
        <NewTenantWizard
          key={formKey}
          customer={customer.data}
          draft={initialDraft.draft}
          licenseTypes={types.data}
          baseDomain={settings.data?.sbcBaseDomain}
          onDiscarded={() => setGeneration((g) => g + 1)}
        />
      ) : (
        <Center py="xl">
          <Loader aria-label="Loading" />
        </Center>
      )}
    </Stack>
  );
}
