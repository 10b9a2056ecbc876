import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed } from '@trunkline/emulator-m365';
import { expectStatus } from '../support/client.ts';
import { PUBLIC_URL } from '../support/server.ts';
import { followCallback, inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';
import { openEventStream } from './events.ts';

const CONTOSO = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!;
type Lifecycle = {
  state: string;
  nextAction: { id: string; label: string };
  allowedActions: string[];
  progress: number;
};
type ServiceView = {
  service: { id: string; status: string; lifecycle: Lifecycle };
  connection: { state: string; method: string | null; teamsRole: { state: string } };
  invitations: { id: string; status: string }[];
  run: Run | null;
};

/**
 * The service lifecycle as the API answers it (derived, one view everywhere), the preconditions of a run, what
 * re-authentication keeps, and the live stream fed by the change feed.
 */
describe('service lifecycle over the API', () => {
  let world: RoutingWorld;
  let customerId: string;
  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
    customerId = expectStatus(await world.admin.post('/api/v1/customers', { name: 'Lifecycle' }), 201).id;
  });
  afterAll(() => world?.close());

  const lifecycleOf = async (id: string) =>
    expectStatus(await world.admin.get(`/api/v1/services/${id}`), 200).lifecycle as Lifecycle;

  it("shows the tenant admin's completion on an open stream within 2 s, then refuses a run the preview knows will fail", async () => {
    const { svc, token } = await inviteService(world.admin, customerId, 'life-consent');
    // Workers wake at once when the mail job is sent, so with no mail server in this world the invitation may
    // already have failed to go out by the time the creation answers: either way, waiting on the invitation.
    expect([
      { state: 'invitation-pending', next: 'wait-for-admin' },
      { state: 'invitation-failed', next: 'resend-invitation' },
    ]).toContainEqual({ state: svc.lifecycle.state, next: svc.lifecycle.nextAction.id });

    const stream = await openEventStream<ServiceView>(
      world.server.url,
      world.admin.cookie!,
      `/api/v1/services/${svc.id}/events`,
      'service',
    );
    try {
      // Queued, or (no mail server in this world) not delivered: either way, waiting on the invitation.
      expect(['invitation-pending', 'invitation-failed']).toContain(
        (await stream.next(() => true)).service.lifecycle.state,
      );
      // The tenant admin consents in their own browser (the provider app: app-only tokens, no delegated token).
      const { redirectUrl } = expectStatus(
        await world.server.client().post('/api/v1/invitations/consent', { token }),
        200,
      );
      const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
        username: CONTOSO.users[0]!.userPrincipalName,
        password: CONTOSO.users[0]!.password,
        action: 'accept',
      });
      await followCallback(world.server, fromMicrosoft);
      const completedAt = Date.now();
      const connected = await stream.next((v) => v.connection.state === 'connected', 2_000);
      expect(Date.now() - completedAt).toBeLessThan(2_000);
      expect(connected.connection.method).toBe('admin-consent');
      expect(connected.invitations.map((i) => i.status)).toEqual(['completed']);
      // The role check runs as a job; its outcome reaches the stream too (in the same event as the connection
      // when the woken worker was quicker than the stream's read of the service).
      const missing =
        connected.connection.teamsRole.state === 'missing'
          ? connected
          : await stream.next((v) => v.connection.teamsRole.state === 'missing', 10_000);
      expect(missing.service.lifecycle).toMatchObject({
        state: 'role-missing',
        nextAction: { id: 'assign-teams-role', label: 'Assign Teams Administrator, then Re-check' },
      });
      expect(missing.service.lifecycle.allowedActions).not.toContain('configure-routing');
    } finally {
      stream.close();
    }

    // The preview says which rows block, and starting names the row and the fix.
    const preview = expectStatus(
      await world.admin.get(`/api/v1/services/${svc.id}/routing/plan?configureDns=true`),
      200,
    );
    expect(preview.blocking.map((b: { row: string }) => b.row)).toContain('teams-role');
    expect(
      preview.blocking.some(
        (b: { row: string; reason: string }) => b.row === 'voice-routing' && /403/.test(b.reason),
      ),
    ).toBe(true);
    const start = await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true });
    expect(start.status).toBe(409);
    expect(start.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(start.body.detail).toMatch(/Assign Teams Administrator.*then Re-check/);
    expect(start.body.errors.map((e: { path: string }) => e.path)).toContain('blocking.teams-role');
    // Nothing was created: no run, and Delete is still allowed.
    expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}/routing`), 200)).toBeNull();
    expect((await lifecycleOf(svc.id)).allowedActions).toContain('delete');
  });

  it('a service whose only invitation is revoked asks for a new one instead of staying "Pending invitation"', async () => {
    // The Onboarding view's stream sees the new service and then the revocation, without polling.
    const stream = await openEventStream<{ services: { id: string; lifecycle: Lifecycle }[] }>(
      world.server.url,
      world.admin.cookie!,
      `/api/v1/customers/${customerId}/events`,
      'customer',
    );
    const { svc } = await inviteService(world.admin, customerId, 'life-revoke');
    await stream.next((v) => v.services.some((x) => x.id === svc.id), 2_000);
    expectStatus(await world.admin.post(`/api/v1/invitations/${svc.invitation.id}/revoke`), 200);
    await stream.next(
      (v) => v.services.find((x) => x.id === svc.id)?.lifecycle.state === 'not-connected',
      2_000,
    );
    stream.close();
    const after = expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200);
    expect(after.status).not.toBe('pending-invitation');
    expect(after.lifecycle).toMatchObject({ state: 'not-connected', nextAction: { id: 'send-invitation' } });
    // The list filters by the same derivation.
    const byState = expectStatus(
      await world.admin.get(`/api/v1/services?customerId=${customerId}&state=not-connected`),
      200,
    );
    expect(byState.items.map((s: { id: string }) => s.id)).toEqual([svc.id]);
    const pending = expectStatus(
      await world.admin.get(`/api/v1/services?customerId=${customerId}&status=pending-invitation`),
      200,
    );
    expect(pending.items.map((s: { id: string }) => s.id)).not.toContain(svc.id);
  });

  it('re-authentication on a partial run keeps the run, Retry and Remove, and Delete is refused', async () => {
    await world.saveSettings({
      dnsSecret: Buffer.from('wrong key wrong key wrong key!!!').toString('base64'),
    });
    const svc = await world.connectedService(customerId, 'life-partial');
    try {
      expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
      const failed = await waitForWorkflow(world.admin, svc.id, (w) => w.status === 'failed');
      expect((await lifecycleOf(svc.id)).state).toBe('routing-failed');

      const again = expectStatus(
        await world.admin.post(`/api/v1/services/${svc.id}/authentication`, {
          method: 'invite',
          email: 'it@contoso.example',
        }),
        200,
      );
      expect(again.lifecycle.state).toBe('routing-failed');
      expect(again.lifecycle.nextAction.id).toBe('retry-step');
      expect(again.lifecycle.allowedActions).toEqual(
        expect.arrayContaining(['retry', 'remove', 'revoke-invitation']),
      );
      expect(again.lifecycle.allowedActions).not.toContain('delete');
      expect(again.status).toBe('failed');
      // The run and its history stay.
      expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}/routing`), 200).id).toBe(
        failed.id,
      );
      const del = await world.admin.delete(`/api/v1/services/${svc.id}`);
      expect(del.status).toBe(409);
      expect(del.body.detail).toMatch(/Remove service/);
    } finally {
      await world.saveSettings();
    }
  });

  it('answers ordinary absences without errors, and takes whole numbers only', async () => {
    const draft = await world.admin.get(`/api/v1/customers/${customerId}/service-draft`);
    expect(draft.status).toBe(204);
    const { svc } = await inviteService(world.admin, customerId, 'life-numbers');
    expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}/routing`), 200)).toBeNull();
    const half = await world.admin.patch(`/api/v1/services/${svc.id}`, { licensedUsers: 12.5 });
    expect(half.status).toBe(422);
    expect(half.body.errors).toEqual([
      expect.objectContaining({ path: 'licensedUsers', message: 'Enter a whole number from 1 to 500.' }),
    ]);
    expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200).licensedUsers).toBe(5);
  });

  it("removing the tenant's last service ends Sign in with Microsoft for it and the sessions it created", async () => {
    world.emu.control.setRedirectUris(loadDefaultSeed().apps[0]!.appId, [
      ...loadDefaultSeed().apps[0]!.redirectUris,
      `${PUBLIC_URL}/api/v1/microsoft/consent/callback`,
      `${PUBLIC_URL}/api/v1/microsoft/callback`,
      `${PUBLIC_URL}/api/v1/session/microsoft/callback`,
    ]);
    const alice = CONTOSO.users.find((u) => u.userPrincipalName.startsWith('alice'))!;
    const signIn = async () => {
      const browser = world.server.client();
      const start = await browser.post('/api/v1/session/microsoft', { email: alice.userPrincipalName });
      if (start.status !== 200) return { start, browser };
      const fromMicrosoft = await submitMicrosoftPage(start.body.redirectUrl, {
        username: alice.userPrincipalName,
        password: alice.password,
        action: 'accept',
      });
      const res = await fetch(`${world.server.url}${fromMicrosoft.pathname}${fromMicrosoft.search}`, {
        redirect: 'manual',
      });
      browser.cookie = res.headers.get('set-cookie')?.split(';')[0] ?? null;
      return { start, browser };
    };
    // One tenant belongs to one customer: the tenant's services of this file are all the Lifecycle customer's.
    const accessCustomer = customerId;
    const svc = await world.connectedService(accessCustomer, 'life-access');
    expectStatus(
      await world.admin.put(`/api/v1/services/${svc.id}/m365-settings`, {
        m365Domain: 'contoso.onmicrosoft.com',
        grantAdminAccess: { channelAdmins: true, customerAdmins: true },
      }),
      200,
    );
    const { browser } = await signIn();
    expect(expectStatus(await browser.get('/api/v1/me'), 200)).toMatchObject({
      role: 'customer_admin',
      customerId: accessCustomer,
    });

    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const done = await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    );
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect((await browser.get('/api/v1/services')).status).toBe(200);
    const adminName = expectStatus(await world.admin.get('/api/v1/me'), 200).name;
    const [started] = expectStatus(
      await world.admin.get(`/api/v1/audit?action=routing.start&customerId=${accessCustomer}`),
      200,
    ).items;
    expect(started.sentence).toBe(
      `${adminName} configured default routing for Lifecycle — Routing life-access`,
    );

    expectStatus(
      await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: 'life-access' }),
      202,
    );
    // At once: the session Microsoft sign-in created is gone, and signing in again is refused.
    expect((await browser.get('/api/v1/services')).status).toBe(401);
    const again = await signIn();
    // The start answers as for anyone (issue #13, item 7); the refusal comes back from Microsoft's step.
    expect(again.start.status).toBe(200);
    expect(again.browser.cookie).toBeNull();
    const audit = expectStatus(
      await world.admin.get(`/api/v1/audit?action=auth.microsoft-access-ended&customerId=${accessCustomer}`),
      200,
    );
    expect(audit.items[0].summary).toMatchObject({ sessionsRevoked: 1 });
    await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => (w as Run).kind === 'offboard' && w.status === 'succeeded',
    );
  });
});
