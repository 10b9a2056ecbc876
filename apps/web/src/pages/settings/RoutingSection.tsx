import {
  Alert,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  PasswordInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import {
  RoutingSettingsUpdateSchema,
  type DnsProviderSettings,
  type RoutingSettings,
  type RoutingSettingsUpdate,
} from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { providerSettings, routingSettings } from '../../api/settings.ts';
import { sbcs } from '../../api/sbcs.ts';
import { useFormMutation, zodValidate } from '../../ui/form.ts';
import { FormAlert } from '../../ui/FormAlert.tsx';

/** The form keeps lists as comma-separated text; the body has arrays. */
type Values = Omit<RoutingSettingsUpdate, 'sbcAddresses' | 'activationUser' | 'dns'> & {
  sbcAddresses: string;
  activationUser: { localPart: string; usageLocation: string; skus: string };
  dnsKind: DnsProviderSettings['kind'];
  rfc2136: { server: string; keyName: string };
  azure: { subscriptionId: string; resourceGroup: string; tenantId: string; clientId: string };
  manual: { resolvers: string };
  dnsSecret: string;
};

const list = (s: string) =>
  s
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const toBody = (v: Values): RoutingSettingsUpdate => {
  const { dnsKind, rfc2136, azure, manual, dnsSecret, sbcAddresses, activationUser, ...rest } = v;
  const dns: DnsProviderSettings =
    dnsKind === 'rfc2136'
      ? { kind: 'rfc2136', ...rfc2136 }
      : dnsKind === 'azure'
        ? { kind: 'azure', ...azure }
        : { kind: 'manual', resolvers: list(manual.resolvers) };
  return {
    ...rest,
    sbcAddresses: list(sbcAddresses),
    activationUser: { ...activationUser, skus: list(activationUser.skus) },
    dns,
    ...(dnsSecret ? { dnsSecret } : {}),
  };
};

const toValues = (s: RoutingSettings): Values => ({
  sbcBaseDomain: s.sbcBaseDomain,
  sbcAddresses: s.sbcAddresses.join(', '),
  dnsTtl: s.dnsTtl,
  pstnUsage: s.pstnUsage,
  voiceRoute: s.voiceRoute,
  policyName: s.policyName,
  activationUser: { ...s.activationUser, skus: s.activationUser.skus.join(', ') },
  dnsVerifyDeadlineMinutes: s.dnsVerifyDeadlineMinutes,
  teamsActivationDeadlineHours: s.teamsActivationDeadlineHours,
  teamsExecutor: s.teamsExecutor,
  grantGlobalPolicy: s.grantGlobalPolicy,
  dnsKind: s.dns.kind,
  rfc2136:
    s.dns.kind === 'rfc2136' ? { server: s.dns.server, keyName: s.dns.keyName } : { server: '', keyName: '' },
  azure:
    s.dns.kind === 'azure'
      ? {
          subscriptionId: s.dns.subscriptionId,
          resourceGroup: s.dns.resourceGroup,
          tenantId: s.dns.tenantId,
          clientId: s.dns.clientId,
        }
      : { subscriptionId: '', resourceGroup: '', tenantId: '', clientId: '' },
  manual: { resolvers: s.dns.kind === 'manual' ? s.dns.resolvers.join(', ') : '' },
  dnsSecret: '',
});

/**
 * The addresses now come from the SBC inventory (each service's SBC, else the default); this list is kept for
 * the routing settings API and used only while the inventory has no SBC.
 */
function SbcAddressesNote() {
  const query = useQuery({ queryKey: sbcs.key, queryFn: sbcs.list });
  const fallback =
    'Used only while Settings → SBCs lists no SBC: A/AAAA records point at each service’s SBC.';
  const sbc = query.data?.items.find((s) => s.isDefault);
  if (!sbc) return fallback;
  return `A/AAAA records point at each service’s SBC (Settings → SBCs; the default, ${sbc.name}: ${sbc.addresses.join(', ')}). This list is only the fallback while no SBC is listed.`;
}

function RoutingForm({ settings }: { settings: RoutingSettings }) {
  const form = useForm<Values>({
    initialValues: toValues(settings),
    validate: (values) => {
      // Server paths (dns.server, sbcAddresses.0) → the form's fields.
      const errors = zodValidate(RoutingSettingsUpdateSchema, toBody)(values);
      const out: Record<string, unknown> = {};
      for (const [path, message] of Object.entries(errors)) out[formPath(path, values.dnsKind)] = message;
      return out as typeof errors;
    },
  });
  const save = useFormMutation<Values, RoutingSettingsUpdate, RoutingSettings>(form, {
    mutationFn: routingSettings.update,
    invalidate: [routingSettings.key, providerSettings.key],
    successMessage: () => 'Default-routing settings saved.',
    onSuccess: () => undefined,
  });
  const kind = form.values.dnsKind;
  return (
    <form onSubmit={form.onSubmit((values) => save.mutate(toBody(values)))} noValidate>
      <Stack>
        {!settings.saved && (
          <Alert color="blue" role="status">
            Not saved yet: these are the defaults
            {settings.dnsSecretSet ? ' (and the DNS server of this machine)' : ''}. Routing starts once a
            provider admin saves them.
          </Alert>
        )}
        <FormAlert message={save.alert} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="SBC base domain"
            description="Customer trunks are <subdomain>.<base domain>; its wildcard certificate and carrier trunk live in your tenant."
            spellCheck={false}
            {...form.getInputProps('sbcBaseDomain')}
          />
          <TextInput
            label="SBC addresses (fallback)"
            description={<SbcAddressesNote />}
            spellCheck={false}
            {...form.getInputProps('sbcAddresses')}
          />
          <TextInput label="PSTN usage" {...form.getInputProps('pstnUsage')} />
          <TextInput label="Voice routing policy" {...form.getInputProps('policyName')} />
          <TextInput label="Voice route name" {...form.getInputProps('voiceRoute.name')} />
          <TextInput
            label="Number pattern"
            spellCheck={false}
            {...form.getInputProps('voiceRoute.numberPattern')}
          />
          <NumberInput
            label="Route priority"
            min={0}
            max={100}
            {...form.getInputProps('voiceRoute.priority')}
          />
          <NumberInput label="DNS TTL (seconds)" min={60} max={86400} {...form.getInputProps('dnsTtl')} />
          <TextInput
            label="Activation user (local part)"
            description="The licensed user that activates each customer subdomain: <local part>@<subdomain>."
            {...form.getInputProps('activationUser.localPart')}
          />
          <TextInput
            label="Activation user usage location"
            maxLength={2}
            {...form.getInputProps('activationUser.usageLocation')}
          />
          <TextInput
            label="Acceptable licences, in order"
            description="SKU part numbers, comma-separated; the first with free units is assigned."
            spellCheck={false}
            {...form.getInputProps('activationUser.skus')}
          />
          <NumberInput
            label="Domain verification deadline (minutes)"
            min={1}
            {...form.getInputProps('dnsVerifyDeadlineMinutes')}
          />
          <NumberInput
            label="Teams activation deadline (hours)"
            description="Microsoft may take up to 24 hours to accept a new domain as a gateway."
            min={1}
            max={168}
            {...form.getInputProps('teamsActivationDeadlineHours')}
          />
        </SimpleGrid>
        <Checkbox
          label="Grant the policy as the tenant's global default"
          description="Every user without a voice routing policy of their own or of a group gets it. Offboarding reverts the tenant's default while it is still this policy."
          {...form.getInputProps('grantGlobalPolicy', { type: 'checkbox' })}
        />
        <Text size="sm" fw={600}>
          Teams executor
        </Text>
        <SegmentedControl
          aria-label="Teams executor"
          data={[
            { value: 'config-api', label: 'Teams admin API' },
            { value: 'powershell', label: 'PowerShell (pwsh on the workers)' },
          ]}
          {...form.getInputProps('teamsExecutor')}
        />
        <Text size="sm" fw={600}>
          DNS provider
        </Text>
        <SegmentedControl
          aria-label="DNS provider"
          data={[
            { value: 'rfc2136', label: 'RFC 2136 (BIND, PowerDNS, …)' },
            { value: 'azure', label: 'Azure DNS' },
            { value: 'manual', label: 'Manual' },
          ]}
          {...form.getInputProps('dnsKind')}
        />
        {kind === 'rfc2136' && (
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput
              label="DNS server (host:port)"
              spellCheck={false}
              {...form.getInputProps('rfc2136.server')}
            />
            <TextInput label="TSIG key name" spellCheck={false} {...form.getInputProps('rfc2136.keyName')} />
            <PasswordInput
              label="TSIG secret (HMAC-SHA256, base64)"
              placeholder={settings.dnsSecretSet ? 'stored — leave empty to keep' : ''}
              autoComplete="off"
              {...form.getInputProps('dnsSecret')}
            />
          </SimpleGrid>
        )}
        {kind === 'azure' && (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Subscription ID" {...form.getInputProps('azure.subscriptionId')} />
            <TextInput label="Resource group" {...form.getInputProps('azure.resourceGroup')} />
            <TextInput label="Directory (tenant) ID" {...form.getInputProps('azure.tenantId')} />
            <TextInput label="Application (client) ID" {...form.getInputProps('azure.clientId')} />
            <PasswordInput
              label="Client secret"
              placeholder={settings.dnsSecretSet ? 'stored — leave empty to keep' : ''}
              autoComplete="off"
              {...form.getInputProps('dnsSecret')}
            />
          </SimpleGrid>
        )}
        {kind === 'manual' && (
          <TextInput
            label="Resolvers to check with"
            description="Trunkline shows the records to create and checks them through these servers."
            spellCheck={false}
            {...form.getInputProps('manual.resolvers')}
          />
        )}
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Maps a path of the request body to the form field that shows it. */
function formPath(path: string, kind: DnsProviderSettings['kind']): string {
  if (path.startsWith('sbcAddresses')) return 'sbcAddresses';
  if (path.startsWith('activationUser.skus')) return 'activationUser.skus';
  if (path.startsWith('dns.resolvers')) return 'manual.resolvers';
  if (path.startsWith('dns.')) return `${kind}.${path.slice(4)}`;
  return path;
}

/** Default routing (provider admins): what step 10 creates in DNS and in each customer tenant. */
export function RoutingSection() {
  const query = useQuery({ queryKey: routingSettings.key, queryFn: routingSettings.get });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="routing-title">
      <Stack>
        <Title order={3} id="routing-title">
          Default routing
        </Title>
        {query.isError && (
          <Alert color="red" role="alert">
            {errorMessage(query.error)}
          </Alert>
        )}
        {query.isPending && <Text c="dimmed">Loading…</Text>}
        {query.data && <RoutingForm key={JSON.stringify(query.data)} settings={query.data} />}
      </Stack>
    </Paper>
  );
}
