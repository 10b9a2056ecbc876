/**
 * `node emulators/audiocodes/src/main.ts`: the AudioCodes Mediant emulator on its own, for manual use.
 * AUDIOCODES_EMULATOR_PORT (default 4480), AUDIOCODES_EMULATOR_HOST (127.0.0.1),
 * AUDIOCODES_EMULATOR_USER / AUDIOCODES_EMULATOR_PASSWORD (default Admin / Admin).
 * AUDIOCODES_EMULATOR_SIP_PORT: also the SIP/TLS listener on that port, with a certificate for
 * `*.<AUDIOCODES_EMULATOR_CARRIER_FQDN>` and the carrier FQDN itself (default sbc.trunkline.example) from a CA made
 * once in AUDIOCODES_EMULATOR_PKI_DIR (default ./data/audiocodes-pki; needs the openssl CLI).
 * AUDIOCODES_EMULATOR_STATE_FILE: keeps the configuration across restarts (default none).
 */
import { ensureSbcPki } from './pki.ts';
import { startAudioCodesEmulator } from './index.ts';

const env = process.env;
const carrier = env.AUDIOCODES_EMULATOR_CARRIER_FQDN ?? 'sbc.trunkline.example';
const pki = env.AUDIOCODES_EMULATOR_SIP_PORT
  ? ensureSbcPki(env.AUDIOCODES_EMULATOR_PKI_DIR ?? './data/audiocodes-pki', [`*.${carrier}`, carrier])
  : null;
const emulator = await startAudioCodesEmulator({
  ...(pki
    ? {
        sip: {
          port: Number(env.AUDIOCODES_EMULATOR_SIP_PORT),
          host: env.AUDIOCODES_EMULATOR_HOST ?? '127.0.0.1',
          cert: pki.cert,
          key: pki.key,
          contactFqdn: carrier,
        },
      }
    : {}),
  ...(env.AUDIOCODES_EMULATOR_STATE_FILE ? { stateFile: env.AUDIOCODES_EMULATOR_STATE_FILE } : {}),
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
  `AudioCodes Mediant emulator\n  api     ${emulator.url}/api/v1\n  control ${emulator.controlUrl}\n` +
    (emulator.sip && pki ? `  sip/tls ${emulator.sip.host}:${emulator.sip.port} (CA ${pki.caFile})\n` : ''),
);
const stop = () => void emulator.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
