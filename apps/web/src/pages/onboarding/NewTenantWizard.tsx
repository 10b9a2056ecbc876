import { useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Alert, Button, CloseButton, Group, Stack, Stepper, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import type { FormErrors } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type {
  Customer,
  LicenseType,
  ServiceCreate,
  ServiceCreated,
  ServiceDraft,
} from '@trunkline/contracts';
import { ApiError, errorMessage } from '../../api/client.ts';
import { invitations } from '../../api/invitations.ts';
import { services, usage } from '../../api/services.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { useCustomerUsage } from '../services/LicenceUsage.tsx';
import { problemOf, useNameAvailability } from '../services/useNameAvailability.ts';
import { AdminAuthStep } from './AdminAuthStep.tsx';
import { LicenceStep } from './LicenceStep.tsx';
import { ServiceStep } from './ServiceStep.tsx';
import { TenantCreated } from './TenantCreated.tsx';
import {
  clientErrors,
  emptyValues,
  formPath,
  fromDraft,
  lastStep,
  stepOf,
  tenantSteps,
  toBody,
  toDraft,
  trunkNameOf,
} from './tenantForm.ts';
import type { TenantValues } from './tenantForm.ts';
import { useDraftAutosave } from './useDraftAutosave.ts';
import type { DraftStatus } from './useDraftAutosave.ts';
import { FormAlert } from '../../ui/FormAlert.tsx';

type NewTenantWizardProps = {
  customer: Customer;
  /** The saved draft the form starts from, if any. */
  draft: ServiceDraft | null;
  licenseTypes: LicenseType[];
  baseDomain: string | undefined;
  /** The draft was thrown away: start over with an empty form. */
  onDiscarded: () => void;
};

/** The inputs the form shows for its values: a server error for any other path goes into the alert. */
function shownPaths(values: TenantValues): string[] {
  const paths = ['fullName', 'shortName', 'licenseType', 'licensedUsers'];
  if (trunkNameOf(values).overridden) paths.push('subdomain');
  if (values.sendInvite) paths.push('adminAuth.email');
  else paths.push('adminAuth.username', 'adminAuth.password');
  return paths;
}

function DraftState({ status }: { status: DraftStatus }) {
  const text = {
    none: '',
    saving: 'Saving draft…',
    saved: status.state === 'saved' ? `Draft saved ${formatDateTime(status.at)}` : '',
    failed: 'The draft could not be saved.',
  }[status.state];
  return (
    <Text size="xs" c={status.state === 'failed' ? 'red' : 'dimmed'} aria-live="polite">
      {text}
    </Text>
  );
}

/**
 * The new-tenant form: Service, Licence, Admin authentication. Enter moves on (and on the last step submits);
 * each step is checked before the next; the server's field errors bring the user back to the step that holds them.
 * The form is kept as a draft on the server while the user works, without the password.
 */
export function NewTenantWizard({
  customer,
  draft,
  licenseTypes,
  baseDomain,
  onDiscarded,
}: NewTenantWizardProps) {
  const customerId = customer.id;
  const queryClient = useQueryClient();
  const [active, setActive] = useState(() => Math.min(Math.max(draft?.data.step ?? 0, 0), lastStep));
  const [restored, setRestored] = useState(draft !== null);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const [checking, setChecking] = useState(false);
  const [alert, setAlert] = useState<string | null>(null);
  const [created, setCreated] = useState<ServiceCreated | null>(null);
  const autosave = useDraftAutosave(customerId, draft?.updatedAt ?? null);
  const lastSaved = useRef(draft ? JSON.stringify(draft.data) : '');
  const remaining = useCustomerUsage(customerId).data?.licensedUsers.remaining;

  const form = useForm<TenantValues>({
    initialValues: draft ? fromDraft(draft.data, licenseTypes) : emptyValues(licenseTypes),
    onValuesChange: (values) => {
      const data = toDraft(values, active);
      const json = JSON.stringify(data);
      if (json === lastSaved.current) return; // e.g. only the password changed
      lastSaved.current = json;
      autosave.schedule(data);
    },
  });
  const { values } = form;

  const names = useNameAvailability({
    shortName: values.shortName,
    trunkName: trunkNameOf(values, baseDomain),
  });

  const goTo = (step: number) => {
    setActive(step);
    setAlert(null);
    const data = toDraft(form.getValues(), step);
    lastSaved.current = JSON.stringify(data);
    autosave.saveNow(data);
  };

  /** Shows errors of the given steps; returns false when there were some. */
  const showErrors = (errors: FormErrors, steps: number[]): boolean => {
    const relevant = Object.fromEntries(
      Object.entries(errors).filter(([path]) => steps.includes(stepOf(path))),
    );
    const paths = Object.keys(relevant);
    if (paths.length === 0) return true;
    form.setErrors(relevant);
    const first = Math.min(...paths.map(stepOf));
    if (first !== active) setActive(first);
    else form.getInputNode(paths.find((p) => stepOf(p) === first) ?? '')?.focus();
    return false;
  };

  const create = useMutation({
    mutationFn: (body: ServiceCreate) => services.create(body),
    onSuccess: async (service) => {
      await autosave.finish();
      void queryClient.invalidateQueries({ queryKey: services.key });
      void queryClient.invalidateQueries({ queryKey: invitations.key });
      setCreated(service);
    },
    onError: (error) => {
      if (!(error instanceof ApiError)) {
        setAlert(errorMessage(error));
        return;
      }
      if (error.status === 409)
        void queryClient.invalidateQueries({ queryKey: ['/services', 'availability'] });
      if (error.code === 'limit_exceeded')
        void queryClient.invalidateQueries({ queryKey: usage.key(customerId) });
      const current = form.getValues();
      const shown = shownPaths(current);
      const errors: FormErrors = {};
      let unplaced = Object.keys(error.fieldErrors).length === 0;
      for (const [path, message] of Object.entries(error.fieldErrors)) {
        const target = formPath(path, current);
        if (shown.includes(target)) errors[target] ??= message;
        else unplaced = true;
      }
      setAlert(unplaced ? error.detail : null);
      showErrors(errors, [0, 1, 2]);
    },
  });

  const handleSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending || checking) return;
    const current = form.getValues();
    const steps = active < lastStep ? [active] : tenantSteps.map((_, i) => i);
    const errors = clientErrors(current, customerId, { baseDomain, remaining });
    if (steps.includes(0)) {
      setChecking(true);
      const taken = await names.verify();
      setChecking(false);
      const shortNameTaken = problemOf(taken.shortName);
      const subdomainTaken = problemOf(taken.subdomain);
      if (shortNameTaken) errors.shortName ??= shortNameTaken;
      if (subdomainTaken) errors[formPath('subdomain', current)] ??= subdomainTaken;
    }
    if (!showErrors(errors, steps)) return;
    if (active < lastStep) {
      goTo(active + 1);
      return;
    }
    setAlert(null);
    create.mutate(toBody(current, customerId));
  };

  if (created) return <TenantCreated service={created} />;

  const submitLabel =
    active < lastStep ? 'Next' : values.sendInvite ? 'Send invitation' : 'Proceed to Secure Token Connection';

  return (
    <form onSubmit={(event) => void handleSubmit(event)} noValidate aria-label="New tenant">
      <Stack>
        {restored && (
          <Alert color="blue" role="status" title="Draft restored">
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Text size="sm">
                Your unfinished form{draft ? ` from ${formatDateTime(draft.updatedAt)}` : ''} is back.
                Passwords are never kept in a draft.
              </Text>
              <CloseButton aria-label="Hide this notice" onClick={() => setRestored(false)} />
            </Group>
          </Alert>
        )}
        <Stepper
          active={active}
          onStepClick={(step) => {
            if (step < active) goTo(step);
          }}
          allowNextStepsSelect={false}
        >
          {tenantSteps.map((step, index) => (
            <Stepper.Step key={step.label} label={step.label} description={step.description}>
              <Stack mt="md" maw={560}>
                <FormAlert message={alert} />
                {index === 0 && <ServiceStep form={form} baseDomain={baseDomain} names={names} />}
                {index === 1 && <LicenceStep form={form} licenseTypes={licenseTypes} remaining={remaining} />}
                {index === 2 && <AdminAuthStep form={form} />}
              </Stack>
            </Stepper.Step>
          ))}
        </Stepper>
        <Group justify="space-between" maw={560}>
          <Group gap="xs">
            {active > 0 && (
              <Button variant="default" onClick={() => goTo(active - 1)}>
                Back
              </Button>
            )}
            {autosave.status.state !== 'none' && (
              <Button variant="subtle" color="red" onClick={() => setConfirmDiscard(true)}>
                Discard draft
              </Button>
            )}
          </Group>
          <Button type="submit" loading={create.isPending || checking}>
            {submitLabel}
          </Button>
        </Group>
        <DraftState status={autosave.status} />
      </Stack>
      {confirmDiscard && (
        <ConfirmModal
          title="Discard draft"
          confirmLabel="Discard draft"
          action={async () => {
            await autosave.discard();
            onDiscarded();
          }}
          successMessage={() => 'Draft discarded.'}
          onClose={() => setConfirmDiscard(false)}
        >
          Discard the unfinished new tenant for {customer.name}? Everything entered so far is lost.
        </ConfirmModal>
      )}
    </form>
  );
}
