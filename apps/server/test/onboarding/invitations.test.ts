import { createServer } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink, type StoredMessage } from '@trunkline/emulator-smtp';
import { expectStatus, type Client } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { PUBLIC_URL, startTestServer, type TestServer } from '../support/server.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('invitations over real SMTP', () => {
  let server: TestServer;
  let sink: SmtpSink | null = null;
  let smtpPort: number;
  let admin: Client;
  let customerId: string;
  let n = 0;

  const invite = async (email: string) => {
    n += 1;
    return expectStatus(
      await admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: `Fabrikam voice ${n}`,
        shortName: `fabrikam-${n}`,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 10,
        adminAuth: { method: 'invite', email },
      }),
      201,
    );
  };
  const mailTo = (to: string) =>
    eventually<StoredMessage>(`mail to ${to}`, () => sink?.messages.find((m) => m.to.includes(to)), {
      timeoutMs: 40_000,
      intervalMs: 200,
    });
  const invitationOf = async (id: string) =>
    (expectStatus(await admin.get('/api/v1/invitations?pageSize=200'), 200).items as { id: string }[]).find(
      (i) => i.id === id,
    ) as Record<string, any>;
  const tokenIn = (text: string) => new RegExp(`${PUBLIC_URL}/invite/([A-Za-z0-9_-]+)`).exec(text)?.[1];

  beforeAll(async () => {
    smtpPort = await freePort();
    sink = await startSmtpSink({ smtpPort });
    server = await startTestServer({
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'Acme Telecom <noc@acme.example>',
    });
    admin = await server.admin();
    expectStatus(await admin.patch('/api/v1/settings', { providerName: 'Acme Telecom' }), 200);
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Fabrikam Inc' }), 201).id;
  });
  afterAll(async () => {
    await server?.close();
    await sink?.stop();
  });

  it('e-mails the invitation (HTML and text) with a working single link naming provider, customer, service and expiry', async () => {
    const created = await invite('it@fabrikam.example');
    expect(created.status).toBe('pending-invitation');
    expect(created.invitation).toMatchObject({ email: 'it@fabrikam.example' });
    const mail = await mailTo('it@fabrikam.example');
    expect(mail.subject).toContain('Acme Telecom');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('Acme Telecom');
      expect(part).toContain('Fabrikam Inc');
      expect(part).toContain('Fabrikam voice');
      expect(part).toMatch(/Global administrator/);
      expect(part).toContain(new Date(created.invitation.expiresAt).toUTCString());
    }
    const token = tokenIn(mail.text)!;
    expect(token).toHaveLength(43); // 256 bits, base64url
    const inv = await eventually(
      'the sent status',
      async () => {
        const i = await invitationOf(created.invitation.id);
        return i.status === 'sent' ? i : null;
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    expect(inv).toMatchObject({ sendAttempts: 1, lastError: null, customerName: 'Fabrikam Inc' });
    expect(expectStatus(await admin.get(`/api/v1/invitations/${created.invitation.id}/link`), 200).link).toBe(
      `${PUBLIC_URL}/invite/${token}`,
    );

    const view = expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200);
    expect(view).toMatchObject({
      state: 'valid',
      providerName: 'Acme Telecom',
      customerName: 'Fabrikam Inc',
      serviceName: created.fullName,
    });
    expect((await invitationOf(created.invitation.id)).status).toBe('opened');
    expect((await server.client().post('/api/v1/invitations/open', { token: 'x'.repeat(43) })).status).toBe(
      404,
    );
  });

  it('resends with a new link and expiry (the old link stops working), and revokes', async () => {
    const created = await invite('resend@fabrikam.example');
    const first = tokenIn((await mailTo('resend@fabrikam.example')).text)!;
    sink!.messages.length = 0;
    const resent = expectStatus(await admin.post(`/api/v1/invitations/${created.invitation.id}/resend`), 200);
    expect(new Date(resent.expiresAt).getTime()).toBeGreaterThanOrEqual(
      new Date(created.invitation.expiresAt).getTime(),
    );
    const second = tokenIn((await mailTo('resend@fabrikam.example')).text)!;
    expect(second).not.toBe(first);
    // The old link is recognised as replaced, not as a wrong one.
    expect(
      expectStatus(await server.client().post('/api/v1/invitations/open', { token: first }), 200).state,
    ).toBe('superseded');
    expect(
      expectStatus(await server.client().post('/api/v1/invitations/open', { token: second }), 200).state,
    ).toBe('valid');

    expect(
      expectStatus(await admin.post(`/api/v1/invitations/${created.invitation.id}/revoke`), 200).status,
    ).toBe('revoked');
    expect(
      expectStatus(await server.client().post('/api/v1/invitations/open', { token: second }), 200).state,
    ).toBe('revoked');
    expect((await admin.post(`/api/v1/invitations/${created.invitation.id}/resend`)).status).toBe(409);
    expect(
      expectStatus(await admin.get('/api/v1/invitations?status=revoked'), 200).items.map(
        (i: { id: string }) => i.id,
      ),
    ).toContain(created.invitation.id);
  });

  it('shows the link of an invitation replaced by re-initiated authentication as superseded', async () => {
    const created = await invite('replaced@fabrikam.example');
    const old = tokenIn((await mailTo('replaced@fabrikam.example')).text)!;
    expectStatus(
      await admin.post(`/api/v1/services/${created.id}/authentication`, {
        method: 'invite',
        email: 'replaced-2@fabrikam.example',
      }),
      200,
    );
    expect(
      expectStatus(await server.client().post('/api/v1/invitations/open', { token: old }), 200).state,
    ).toBe('superseded');
    const fresh = tokenIn((await mailTo('replaced-2@fabrikam.example')).text)!;
    expect(
      expectStatus(await server.client().post('/api/v1/invitations/open', { token: fresh }), 200).state,
    ).toBe('valid');
  });

  it('shows an expired link as expired', async () => {
    const created = await invite('late@fabrikam.example');
    const token = tokenIn((await mailTo('late@fabrikam.example')).text)!;
    await server.runtime.handle.db.execute(
      sql`update invitations set expires_at = now() - interval '1 minute' where id = ${created.invitation.id}`,
    );
    expect(expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200).state).toBe(
      'expired',
    );
    expect((await invitationOf(created.invitation.id)).status).toBe('expired');
  });

  it('retries while the mail server is down, shows the failure, and delivers once it is back', async () => {
    await sink!.stop();
    sink = null;
    const created = await invite('retry@fabrikam.example');
    const failed = await eventually(
      'the send-failed status',
      async () => {
        const i = await invitationOf(created.invitation.id);
        return i.status === 'send-failed' ? i : null;
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    expect(failed.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(failed.sendAttempts).toBeGreaterThanOrEqual(1);
    sink = await startSmtpSink({ smtpPort });
    const mail = await mailTo('retry@fabrikam.example');
    expect(tokenIn(mail.text)).toBeTruthy();
    const sent = await eventually(
      'the sent status',
      async () => {
        const i = await invitationOf(created.invitation.id);
        return i.status === 'sent' ? i : null;
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    expect(sent.sendAttempts).toBeGreaterThanOrEqual(2);
    expect(sent.lastError).toBeNull();
    expect(sink.messages.filter((m) => m.to.includes('retry@fabrikam.example'))).toHaveLength(1);
  });
});
