/**
 * `node emulators/m365/src/main.ts`: the Microsoft 365 emulator on its own, for manual use.
 * M365_EMULATOR_PORT (default 4365), M365_EMULATOR_HOST (127.0.0.1), M365_EMULATOR_PUBLIC_URL, M365_EMULATOR_DNS (comma-separated servers),
 * M365_EMULATOR_STATE_FILE (keeps the state across restarts; default none).
 */
import { startM365Emulator } from './index.ts';

const env = process.env;
const emulator = await startM365Emulator({
  port: Number(env.M365_EMULATOR_PORT ?? 4365),
  host: env.M365_EMULATOR_HOST ?? '127.0.0.1',
  ...(env.M365_EMULATOR_PUBLIC_URL ? { publicUrl: env.M365_EMULATOR_PUBLIC_URL } : {}),
  ...(env.M365_EMULATOR_DNS ? { dnsServers: env.M365_EMULATOR_DNS.split(',').map((s) => s.trim()) } : {}),
  ...(env.M365_EMULATOR_STATE_FILE ? { stateFile: env.M365_EMULATOR_STATE_FILE } : {}),
});
const { urls } = emulator;
process.stdout.write(
  `Microsoft 365 emulator\n  login   ${urls.login}/{tenant}/v2.0\n  graph   ${urls.graph}\n  teams   ${urls.teams}\n  control ${urls.control}\n` +
    emulator.control
      .tenants()
      .map((t) => `  tenant  ${t.name} ${t.id}\n`)
      .join(''),
);
const stop = () => void emulator.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
