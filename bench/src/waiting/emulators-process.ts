/**
 * The outside world of the waiting bench in its own process (`node emulators-process.ts <tenants>`), so its CPU is
 * its own: the Microsoft 365 emulator with `w1 … w<n>` (copies of contoso, each consented to the provider's app,
 * with enough Office 365 E3 licences for every activation user the bench creates there) whose Teams admin API
 * refuses every new gateway for a day after its domain's activation (`teamsActivationDelaySeconds`: Microsoft's
 * "up to 24 hours"), and the provider's DNS (RFC 2136 with TSIG). No directory replication: the onboardings reach
 * the activation wait without other waits. Prints one JSON line with the addresses.
 */
import { randomBytes } from 'node:crypto';
import { startDnsEmulator } from '@trunkline/emulator-dns';
import { loadDefaultSeed, seedWithTenants, startM365Emulator } from '@trunkline/emulator-m365';

const ZONE = 'sbc.waiting.bench.example';
const TSIG = { name: 'trunkline-bench', algorithm: 'hmac-sha256' as const };
const ACTIVATION_DELAY_SECONDS = 86_400;
const LICENCES_PER_TENANT = 1_000;

const n = Number(process.argv[2]);
if (!Number.isInteger(n) || n < 1) throw new Error('usage: emulators-process.ts <tenants>');
const names = Array.from({ length: n }, (_, i) => `w${i + 1}`);

const seed = seedWithTenants(names);
for (const tenant of seed.tenants)
  for (const sku of tenant.subscribedSkus)
    if (sku.skuPartNumber === 'ENTERPRISEPACK') sku.prepaidUnits = LICENCES_PER_TENANT;

const secret = randomBytes(32).toString('base64');
const dns = await startDnsEmulator({ port: 0, zones: [{ name: ZONE }], keys: [{ ...TSIG, secret }] });
const emu = await startM365Emulator({
  seed,
  dnsServers: [dns.address],
  replication: 0,
  teamsActivationDelaySeconds: ACTIVATION_DELAY_SECONDS,
  requestLogLimit: 200_000,
});
for (const t of names) emu.control.consent(t);
const app = loadDefaultSeed().apps[0]!;
process.stdout.write(
  `${JSON.stringify({
    urls: emu.urls,
    app: { appId: app.appId, clientSecret: app.clientSecrets[0]! },
    dns: { address: dns.address, keyName: TSIG.name, secret, zone: ZONE },
    admins: Object.fromEntries(
      seed.tenants
        .filter((t) => names.includes(t.name))
        .map((t) => [t.name, { username: t.users[0]!.userPrincipalName, password: t.users[0]!.password }]),
    ),
  })}\n`,
);
const stop = () => void Promise.all([emu.stop(), dns.stop()]).then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
