import { loadDefaultSeed } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from '../support/client.ts';
import { startTestServerWithMicrosoft } from '../support/server.ts';
import { startPublicAddress } from './public-address.ts';

/** contoso's own app registration with `CallRecords.Read.All` (the M365 emulator's seed): the Notification Service. */
export const NOTIFY_APP = 'd4b1c9e3-6a2f-4c7d-8e15-9f3a7b2c0d61';
export const NOTIFY_SECRET = 'Ctso~notify-app.secret-0001';
export const contoso = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!;

/**
 * A customer and one contoso service in it (credentials path: contoso's first user) with the Notification Service
 * app set, so the subscription sync creates its call-record subscription.
 */
export async function createNotifiedService(
  admin: Client,
  o: { customer: string; fullName: string; shortName: string },
) {
  const customerId = expectStatus(await admin.post('/api/v1/customers', { name: o.customer }), 201).id;
  const svc = expectStatus(
    await admin.post('/api/v1/services', {
      customerId,
      type: 'direct-routing',
      fullName: o.fullName,
      shortName: o.shortName,
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      adminAuth: {
        method: 'credentials',
        username: contoso.users[0]!.userPrincipalName,
        password: contoso.users[0]!.password,
      },
    }),
    201,
  );
  expectStatus(
    await admin.put(`/api/v1/services/${svc.id}/m365-settings`, {
      m365Domain: 'contoso.onmicrosoft.com',
      grantAdminAccess: { channelAdmins: true, customerAdmins: false },
      notificationApp: { clientId: NOTIFY_APP, clientSecret: NOTIFY_SECRET },
    }),
    200,
  );
  return { customerId, serviceId: svc.id as string, trunkFqdn: svc.trunkFqdn as string };
}

type Emu = Awaited<ReturnType<typeof startTestServerWithMicrosoft>>['emu'];

/**
 * The QoE tests' world: a test server whose public address (QOE_WEBHOOK_BASE_URL) is a loopback proxy Graph calls,
 * the M365 emulator with contoso consented, and one contoso service (credentials path) with the Notification
 * Service app set, so the subscription sync creates its call-record subscription through the validation handshake.
 */
export async function startQoeWorld(o: {
  customer: string;
  fullName: string;
  shortName: string;
  callRecordSettings: Parameters<Emu['control']['setCallRecordSettings']>[0];
}) {
  const publicAddress = await startPublicAddress();
  const { server, emu, close } = await startTestServerWithMicrosoft({
    QOE_WEBHOOK_BASE_URL: publicAddress.url,
  });
  publicAddress.forwardTo(server.url);
  emu.control.consent('contoso');
  emu.control.setCallRecordSettings(o.callRecordSettings);
  const admin = await server.admin();
  const { customerId, serviceId, trunkFqdn } = await createNotifiedService(admin, o);
  return {
    server,
    emu,
    admin,
    publicAddress,
    customerId,
    serviceId,
    trunkFqdn,
    async close() {
      await close();
      await publicAddress.close();
    },
  };
}
