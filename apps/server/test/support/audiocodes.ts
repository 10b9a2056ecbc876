import { startAudioCodesEmulator, type AudioCodesEmulator } from '@trunkline/emulator-audiocodes';

/** The REST user the default SBC of a test server signs in with (an AudioCodes admin-level web user). */
export const SBC_USER = { username: 'trunkline', password: 'sbc-rest-password-7f3a' } as const;
/** A read-only (monitor) user of the same device: its writes answer 403. */
export const SBC_MONITOR = { username: 'viewer', password: 'sbc-viewer-password-2c9e' } as const;
export const SBC_CARRIER_FQDN = 'sbc.trunkline.test';
export const SBC_PUBLIC_ADDRESSES = ['198.51.100.20', '2001:db8::20'];

export type DefaultSbc = {
  emulator: AudioCodesEmulator;
  /** For `startTestServer(env)`: the server creates its default SBC (the inventory is empty) from these. */
  env: Record<string, string>;
  stop(): Promise<void>;
};

/**
 * Starts the AudioCodes emulator on loopback as a test server's default SBC, as `npm start` does for the
 * sandbox: `const sbc = await startDefaultSbc(); const server = await startTestServer({ ...sbc.env });`.
 */
export async function startDefaultSbc(): Promise<DefaultSbc> {
  const emulator = await startAudioCodesEmulator({
    users: [
      { ...SBC_USER, privilege: 'admin' },
      { ...SBC_MONITOR, privilege: 'monitor' },
    ],
  });
  return {
    emulator,
    env: {
      SBC_DEFAULT_KIND: 'audiocodes',
      SBC_DEFAULT_NAME: 'Test Mediant',
      SBC_DEFAULT_URL: emulator.url,
      SBC_DEFAULT_USERNAME: SBC_USER.username,
      SBC_DEFAULT_PASSWORD: SBC_USER.password,
      SBC_DEFAULT_CARRIER_FQDN: SBC_CARRIER_FQDN,
      SBC_DEFAULT_ADDRESSES: SBC_PUBLIC_ADDRESSES.join(','),
    },
    stop: () => emulator.stop(),
  };
}
