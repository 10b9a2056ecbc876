/**
 * The outside world of the 500-tenant run in its own process (`node emulators-process.ts <tenants>`), so its
 * memory and CPU are its own: the Microsoft 365 emulator with `t1 … t<n>` (copies of contoso, each consented to
 * the provider's app; no directory replication, no activation delay: the run measures Trunkline under Microsoft's
 * throttling, not those waits) and the provider's DNS (RFC 2136 with TSIG). Rate limits start off; the bench sets
 * them over the control API (`PUT /_control/rate-limits`) once the services are connected. The request log keeps
 * every request of the run, for the honoured-Retry-After count. Prints one JSON line with the addresses.
 */
import { randomBytes } from 'node:crypto';
import { startDnsEmulator } from '@trunkline/emulator-dns';
import { loadDefaultSeed, seedWithTenants, startM365Emulator } from '@trunkline/emulator-m365';
import { ZONE } from './processes.ts';

const TSIG = { name: 'trunkline-bench', algorithm: 'hmac-sha256' as const };

const n = Number(process.argv[2]);
if (!Number.isInteger(n) || n < 1) throw new Error('usage: emulators-process.ts <tenants>');
const names = Array.from({ length: n }, (_, i) => `t${i + 1}`);

const secret = randomBytes(32).toString('base64');
const dns = await startDnsEmulator({ port: 0, zones: [{ name: ZONE }], keys: [{ ...TSIG, secret }] });
const emu = await startM365Emulator({
  seed: seedWithTenants(names),
  dnsServers: [dns.address],
  replication: 0,
  teamsActivationDelaySeconds: 0,
  requestLogLimit: 1_000_000,
});
for (const t of names) emu.control.consent(t);
const app = loadDefaultSeed().apps[0]!;
process.stdout.write(
  `${JSON.stringify({
    urls: emu.urls,
    app: { appId: app.appId, clientSecret: app.clientSecrets[0]! },
    dns: { address: dns.address, keyName: TSIG.name, secret },
  })}\n`,
);
const stop = () => void Promise.all([emu.stop(), dns.stop()]).then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
