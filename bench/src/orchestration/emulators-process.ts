/**
 * The outside world of one onboarding in its own process, so that the bench can tell its CPU time from the
 * server's: the Microsoft 365 emulator (no directory replication, no activation delay: the bench measures
 * Trunkline, not those waits) and the provider's DNS (RFC 2136 with TSIG). Prints one JSON line with the
 * addresses; controlled afterwards through the M365 emulator's control API (latency, request log).
 */
import { randomBytes } from 'node:crypto';
import { startDnsEmulator } from '@trunkline/emulator-dns';
import { loadDefaultSeed, seedWithTenants, startM365Emulator } from '@trunkline/emulator-m365';

export const ZONE = 'sbc.bench.example';
const TSIG = { name: 'trunkline-bench', algorithm: 'hmac-sha256' as const };

/**
 * The default seed plus copies of contoso (each its own tenant, domains and admin), one per measured onboarding:
 * `bench-1` … `bench-<n>`, n from `BENCH_ORCHESTRATION_TENANTS` (default 6, what the group measures).
 */
const tenants = Number(process.env.BENCH_ORCHESTRATION_TENANTS ?? 6);
const seed = seedWithTenants(Array.from({ length: tenants }, (_, i) => `bench-${i + 1}`));

const secret = randomBytes(32).toString('base64');
const dns = await startDnsEmulator({ port: 0, zones: [{ name: ZONE }], keys: [{ ...TSIG, secret }] });
const emu = await startM365Emulator({
  seed,
  dnsServers: [dns.address],
  replication: 0,
  teamsActivationDelaySeconds: 0,
});
emu.control.consent('contoso');
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
