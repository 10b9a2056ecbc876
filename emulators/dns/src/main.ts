/**
 * `node emulators/dns/src/main.ts`: the DNS emulator on its own, for the sandbox and manual use.
 * DNS_EMULATOR_PORT (default 5353, UDP and TCP), DNS_EMULATOR_HOST (127.0.0.1),
 * DNS_EMULATOR_ZONE (default sbc.provider.test; several comma-separated), DNS_EMULATOR_TSIG_NAME (default
 * trunkline), DNS_EMULATOR_TSIG_SECRET (required, base64, e.g. `openssl rand -base64 32`), DNS_EMULATOR_STATE_FILE
 * (keeps the records across restarts; default none).
 */
import { startDnsEmulator } from './index.ts';

const env = process.env;
const secret = env.DNS_EMULATOR_TSIG_SECRET;
if (!secret) {
  process.stderr.write(
    'DNS_EMULATOR_TSIG_SECRET is not set: give the base64 secret of the TSIG key that may update the zone ' +
      '(for example: DNS_EMULATOR_TSIG_SECRET=$(openssl rand -base64 32)).\n',
  );
  process.exit(1);
}
const zones = (env.DNS_EMULATOR_ZONE ?? 'sbc.provider.test')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const keyName = env.DNS_EMULATOR_TSIG_NAME ?? 'trunkline';
const emulator = await startDnsEmulator({
  port: Number(env.DNS_EMULATOR_PORT ?? 5353),
  host: env.DNS_EMULATOR_HOST ?? '127.0.0.1',
  zones: zones.map((name) => ({ name })),
  keys: [{ name: keyName, algorithm: 'hmac-sha256', secret }],
  ...(env.DNS_EMULATOR_STATE_FILE ? { stateFile: env.DNS_EMULATOR_STATE_FILE } : {}),
});
process.stdout.write(
  `DNS emulator on ${emulator.address} (UDP and TCP)\n` +
    zones.map((zone) => `  zone ${zone} (updates signed with TSIG key '${keyName}', hmac-sha256)\n`).join(''),
);
const stop = () => void emulator.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
