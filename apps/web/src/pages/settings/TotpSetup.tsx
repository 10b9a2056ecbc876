import { Code, Image, Stack, Text } from '@mantine/core';
import type { TwoFactorEnrolment } from '@trunkline/contracts';

/** The new secret to add to an authenticator app: the QR code, and the key to type in instead. */
export function TotpSetup({ enrolment }: { enrolment: TwoFactorEnrolment }) {
  return (
    <Stack gap="xs" align="flex-start">
      <Text size="sm">
        Scan this QR code with your authenticator app (Microsoft Authenticator, Google Authenticator,
        1Password, …), then enter the six-digit code it shows.
      </Text>
      <Image src={enrolment.qrCode} alt="QR code of the two-factor secret" w={200} h={200} />
      <Text size="sm">
        Or enter this key by hand: <Code data-testid="totp-secret">{enrolment.secret}</Code>
      </Text>
    </Stack>
  );
}
