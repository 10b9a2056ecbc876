import { Checkbox, NumberInput, PasswordInput, Select, SimpleGrid, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import {
  SbcKinds,
  SbcModels,
  SbcWriteSchema,
  sbcKindLabels,
  sbcModelLabels,
  type Sbc,
  type SbcKindName,
  type SbcModelName,
  type SbcWriteInput,
} from '@trunkline/contracts';
import { sbcs } from '../../api/sbcs.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodErrors } from '../../ui/form.ts';

/** The form keeps the addresses as text and empty capacities as ''. */
type Values = {
  name: string;
  kind: SbcKindName;
  managementUrl: string;
  username: string;
  password: string;
  carrierFqdn: string;
  addresses: string;
  model: SbcModelName;
  maxCustomers: number | string;
  maxSessions: number | string;
  sessionsPerUser: number | string;
  isDefault: boolean;
};

const list = (s: string) =>
  s
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const capacity = (v: number | string) => (v === '' ? null : Number(v));

/** On a change, an empty password keeps the stored one. */
const toBody = (v: Values, editing: boolean): SbcWriteInput => ({
  name: v.name,
  kind: v.kind,
  managementUrl: v.managementUrl,
  username: v.username.trim() === '' ? null : v.username,
  ...(v.password !== '' ? { password: v.password } : editing ? {} : { password: null }),
  carrierFqdn: v.carrierFqdn,
  addresses: list(v.addresses),
  model: v.model,
  maxCustomers: capacity(v.maxCustomers),
  maxSessions: capacity(v.maxSessions),
  sessionsPerUser: v.sessionsPerUser === '' ? Number.NaN : Number(v.sessionsPerUser),
  ...(v.isDefault ? { isDefault: true } : {}),
});

const toValues = (s: Sbc | null): Values => ({
  name: s?.name ?? '',
  kind: s?.kind ?? 'audiocodes',
  managementUrl: s?.managementUrl ?? '',
  username: s?.username ?? '',
  password: '',
  carrierFqdn: s?.carrierFqdn ?? '',
  addresses: s?.addresses.join(', ') ?? '',
  model: s?.model ?? 'shared-trunk',
  maxCustomers: s?.maxCustomers ?? '',
  maxSessions: s?.maxSessions ?? '',
  sessionsPerUser: s?.sessionsPerUser ?? 1,
  isDefault: s?.isDefault ?? false,
});

/** A body path of the server (`addresses.1`) → the form's field. */
const formPath = (path: string) => path.split('.')[0]!;

/** Add or change an SBC. Keyboard: Enter saves, Escape closes; field errors of the server land beside the fields. */
export function SbcFormModal({ sbc, onClose }: { sbc: Sbc | null; onClose: () => void }) {
  const editing = sbc !== null;
  const form = useForm<Values>({
    initialValues: toValues(sbc),
    validate: (values) => {
      const out: Record<string, string> = {};
      for (const [path, message] of Object.entries(zodErrors(SbcWriteSchema, toBody(values, editing))))
        out[formPath(path)] ??= String(message);
      return out;
    },
  });
  const save = useFormMutation<Values, SbcWriteInput, Sbc>(form, {
    mutationFn: (body) => (sbc ? sbcs.update(sbc.id, body) : sbcs.create(body)),
    invalidate: [sbcs.key],
    successMessage: (s) => `SBC ${s.name} ${editing ? 'saved' : 'added'}.`,
    onSuccess: onClose,
  });
  // The server names one address (`addresses.1`); the form has one field for all.
  const addressesError =
    form.errors.addresses ?? Object.entries(form.errors).find(([path]) => path.startsWith('addresses.'))?.[1];

  return (
    <FormModal
      title={editing ? `Edit SBC ${sbc.name}` : 'Add SBC'}
      submitLabel={editing ? 'Save' : 'Add SBC'}
      onClose={onClose}
      onSubmit={form.onSubmit((values) => save.mutate(toBody(values, editing)))}
      submitting={save.isPending}
      alert={save.alert}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label="Name" data-autofocus {...form.getInputProps('name')} />
        <Select
          label="Type"
          data={SbcKinds.map((k) => ({ value: k, label: sbcKindLabels[k] }))}
          allowDeselect={false}
          {...form.getInputProps('kind')}
        />
      </SimpleGrid>
      <TextInput
        label="Management URL"
        description={
          form.values.kind === 'audiocodes'
            ? 'The Mediant’s REST API base URL (https), e.g. https://sbc1-mgmt.provider.net.'
            : 'Kamailio’s JSON-RPC over HTTP (jsonrpcs + xhttp), e.g. https://sbc2-mgmt.provider.net:5071.'
        }
        spellCheck={false}
        {...form.getInputProps('managementUrl')}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Username"
          description="A REST user whose privilege level may write the configuration."
          autoComplete="off"
          {...form.getInputProps('username')}
        />
        <PasswordInput
          label="Password"
          description={
            editing && sbc.hasPassword
              ? 'Stored (never shown). Leave empty to keep it.'
              : 'Stored encrypted; never shown again.'
          }
          autoComplete="new-password"
          {...form.getInputProps('password')}
        />
      </SimpleGrid>
      <TextInput
        label="Carrier trunk FQDN"
        description="The FQDN Microsoft probes with SIP OPTIONS; customers’ FQDNs are below it."
        spellCheck={false}
        {...form.getInputProps('carrierFqdn')}
      />
      <TextInput
        label="Public addresses"
        description="IPv4/IPv6, comma-separated: each service on this SBC gets A/AAAA records with them."
        spellCheck={false}
        {...form.getInputProps('addresses')}
        error={addressesError}
      />
      <Select
        label="Configuration model"
        data={SbcModels.map((m) => ({ value: m, label: sbcModelLabels[m] }))}
        allowDeselect={false}
        {...form.getInputProps('model')}
      />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <NumberInput
          label="Max customers"
          description="Empty: no limit."
          min={1}
          allowDecimal={false}
          {...form.getInputProps('maxCustomers')}
        />
        <NumberInput
          label="Max sessions"
          description="Empty: no limit."
          min={1}
          allowDecimal={false}
          {...form.getInputProps('maxSessions')}
        />
        <NumberInput
          label="Sessions per licensed user"
          description="Session limit = users × this, rounded up."
          min={0.01}
          step={0.25}
          decimalScale={2}
          {...form.getInputProps('sessionsPerUser')}
        />
      </SimpleGrid>
      <Checkbox
        label="Default SBC (new services are configured on it)"
        disabled={editing && sbc.isDefault}
        {...form.getInputProps('isDefault', { type: 'checkbox' })}
      />
    </FormModal>
  );
}
