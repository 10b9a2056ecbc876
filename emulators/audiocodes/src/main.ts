/**
 * `node emulators/audiocodes/src/main.ts`: the AudioCodes Mediant emulator on its own, for manual use.
 * AUDIOCODES_EMULATOR_PORT (default 4480), AUDIOCODES_EMULATOR_HOST (127.0.0.1),
 * AUDIOCODES_EMULATOR_USER / AUDIOCODES_EMULATOR_PASSWORD (default Admin / Admin).
 */
import { startAudioCodesEmulator } from './index.ts';

const env = process.env;
const emulator = await startAudioCodesEmulator({
  port: Number(env.AUDIOCODES_EMULATOR_PORT ?? 4480),
  host: env.AUDIOCODES_EMULATOR_HOST ?? '127.0.0.1',
  users: [
    {
      username: env.AUDIOCODES_EMULATOR_USER ?? 'Admin',
      password: env.AUDIOCODES_EMULATOR_PASSWORD ?? 'Admin',
      privilege: 'admin',
    },
  ],
});
process.stdout.write(
  `AudioCodes Mediant emulator\n  api     ${emulator.url}/api/v1\n  control ${emulator.controlUrl}\n`,
);
const stop = () => void emulator.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
