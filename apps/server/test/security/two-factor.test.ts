import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/auth/totp.ts';
import { queryRows } from '../../src/platform/db/database.ts';
import { Client, expectStatus } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long enough password';
const STEP = 30_000;
/** The code of the authenticator app, `steps` time steps from now. */
const codeAt = (secret: string, steps = 0) => totpCode(secret, new Date(Date.now() + steps * STEP));

describe('two-factor sign-in (TOTP) for password accounts', () => {
  let server: TestServer;
  let admin: Client;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.admin();
  });
  afterAll(() => server?.close());

  /** A new provider admin with a password, signed in. */
  async function newUser(role: 'provider_admin' | 'channel_admin' = 'provider_admin', channelId?: string) {
    const email = `two-factor-${++n}@example.com`;
    const user = expectStatus(
      await admin.post('/api/v1/users', {
        email,
        name: `Two-factor ${n}`,
        role,
        password: PASSWORD,
        ...(channelId ? { channelId } : {}),
      }),
      201,
    );
    const c = server.client();
    await c.login(email, PASSWORD);
    return { user, email, c };
  }

  /** Sets up two-factor sign-in from the user's own settings; returns the secret and the recovery codes. */
  async function enrol(c: Client) {
    const enrolment = expectStatus(await c.post('/api/v1/me/two-factor/enrolment'), 200);
    const usedCode = codeAt(enrolment.secret);
    const confirmed = expectStatus(
      await c.post('/api/v1/me/two-factor/enrolment/confirm', { code: usedCode }),
      200,
    );
    return {
      secret: enrolment.secret as string,
      usedCode,
      recoveryCodes: confirmed.recoveryCodes as string[],
    };
  }

  it('enrols from the settings: QR code of an otpauth URI, confirmed by a first code, ten recovery codes once', async () => {
    const { c, email } = await newUser();
    expect(expectStatus(await c.get('/api/v1/me/two-factor'), 200)).toMatchObject({
      enabled: false,
      recoveryCodesLeft: 0,
      required: false,
    });
    const enrolment = await c.post('/api/v1/me/two-factor/enrolment');
    expect(enrolment.status).toBe(200);
    expect(enrolment.headers.get('cache-control')).toBe('no-store');
    const { secret, otpauthUri, qrCode } = enrolment.body;
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(decodeURIComponent(otpauthUri)).toContain(email);
    expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    // Not on before a code confirms it, and a wrong code does not confirm it.
    expect(expectStatus(await c.get('/api/v1/me/two-factor'), 200).enabled).toBe(false);
    const wrong = await c.post('/api/v1/me/two-factor/enrolment/confirm', { code: '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0].path).toBe('code');
    const confirmed = expectStatus(
      await c.post('/api/v1/me/two-factor/enrolment/confirm', { code: codeAt(secret) }),
      200,
    );
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect(expectStatus(await c.get('/api/v1/me/two-factor'), 200)).toMatchObject({
      enabled: true,
      recoveryCodesLeft: 10,
    });
    // Set up once: starting again needs turning it off first.
    expect((await c.post('/api/v1/me/two-factor/enrolment')).status).toBe(409);
    const audit = expectStatus(await admin.get('/api/v1/audit?action=two-factor.enable'), 200);
    expect(audit.items.some((e: { actorEmail: string }) => e.actorEmail === email)).toBe(true);
  });

  it('keeps the secret sealed and the recovery codes hashed, in the database and out of the logs', async () => {
    const { c, user } = await newUser();
    const { secret, recoveryCodes } = await enrol(c);
    const db = server.runtime.handle.db;
    const [row] = await queryRows<{ totp_secret_sealed: string }>(
      db,
      sql`select totp_secret_sealed from users where id = ${user.id}`,
    );
    expect(row!.totp_secret_sealed).toMatch(/^tlv1\./);
    const dump = JSON.stringify([
      await queryRows(db, sql`select * from users`),
      await queryRows(db, sql`select * from recovery_codes`),
      await queryRows(db, sql`select * from two_factor_challenges`),
      await queryRows(db, sql`select * from audit_events`),
    ]);
    for (const value of [secret, ...recoveryCodes, ...recoveryCodes.map((r) => r.replace(/-/g, ''))])
      expect(dump).not.toContain(value);
    const logs = server.logs.text();
    for (const value of [secret, ...recoveryCodes]) expect(logs).not.toContain(value);
  });

  it('asks for the code after the password: a challenge, not a session; a code works once', async () => {
    const { c, email } = await newUser();
    const { secret, usedCode } = await enrol(c);
    const browser = server.client();
    const first = await browser.post('/api/v1/session', { email, password: PASSWORD });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ twoFactor: 'verify', challenge: expect.stringMatching(/^tlc_/) });
    expect(first.headers.getSetCookie().some((v) => v.startsWith('trunkline_session='))).toBe(false);
    expect(expectStatus(await browser.get('/api/v1/me'), 200)).toBeNull();
    // The challenge opens nothing but the second step.
    const asBearer = new Client(server.url, null);
    asBearer.bearer = first.body.challenge;
    expect((await asBearer.get('/api/v1/me')).status).toBe(401);
    const asCookie = new Client(server.url, null);
    asCookie.cookie = `trunkline_session=${first.body.challenge}`;
    expect((await asCookie.get('/api/v1/me')).status).toBe(401);

    // The code the enrolment used is spent, even within its time window; the next step's code is accepted.
    const replay = await browser.post('/api/v1/session/two-factor', {
      challenge: first.body.challenge,
      code: usedCode,
    });
    expect(replay.status).toBe(422);
    const signedIn = await browser.post('/api/v1/session/two-factor', {
      challenge: first.body.challenge,
      code: codeAt(secret, 1),
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ email, authenticatedBy: 'session' });
    expect(signedIn.body.recoveryCodes).toBeUndefined();
    expect(expectStatus(await browser.get('/api/v1/me'), 200).email).toBe(email);
    // The challenge is spent.
    const again = await server
      .client()
      .post('/api/v1/session/two-factor', { challenge: first.body.challenge, code: codeAt(secret, -1) });
    expect(again.status).toBe(401);
    const audit = expectStatus(await admin.get('/api/v1/audit?action=session.login'), 200);
    expect(
      audit.items.find(
        (e: { actorEmail: string; summary: Record<string, unknown> }) =>
          e.actorEmail === email && e.summary.secondFactor,
      ),
    ).toMatchObject({ summary: { secondFactor: 'totp' } });
  });

  it('takes a recovery code once instead of the app code', async () => {
    const { c, email } = await newUser();
    const { recoveryCodes } = await enrol(c);
    const signIn = async () =>
      expectStatus(await server.client().post('/api/v1/session', { email, password: PASSWORD }), 202)
        .challenge as string;
    const code = recoveryCodes[3]!;
    const browser = server.client();
    const ok = await browser.post('/api/v1/session/two-factor', {
      challenge: await signIn(),
      code: code.toLowerCase(),
    });
    expect(ok.status).toBe(200);
    expect(expectStatus(await browser.get('/api/v1/me/two-factor'), 200).recoveryCodesLeft).toBe(9);
    const reused = await server
      .client()
      .post('/api/v1/session/two-factor', { challenge: await signIn(), code });
    expect(reused.status).toBe(422);
  });

  it('drops a challenge after five wrong codes and counts them as failed sign-ins', async () => {
    const { c, email } = await newUser();
    const { secret } = await enrol(c);
    const browser = server.client();
    const { challenge } = expectStatus(
      await browser.post('/api/v1/session', { email, password: PASSWORD }),
      202,
    );
    const right = codeAt(secret, 1);
    const wrongCode = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 4; i++)
      expect((await browser.post('/api/v1/session/two-factor', { challenge, code: wrongCode })).status).toBe(
        422,
      );
    expect((await browser.post('/api/v1/session/two-factor', { challenge, code: wrongCode })).status).toBe(
      401,
    );
    const dead = await browser.post('/api/v1/session/two-factor', { challenge, code: right });
    expect([401, 429]).toContain(dead.status);
    expect(expectStatus(await browser.get('/api/v1/me'), 200)).toBeNull();
    const failures = expectStatus(await admin.get('/api/v1/audit?action=session.two-factor'), 200);
    expect(failures.items.filter((e: { actorEmail: string }) => e.actorEmail === email).length).toBe(5);
  });

  it('turns off with a code; not with an API token; an admin can reset it for a user who lost the phone', async () => {
    const { c, email, user } = await newUser();
    const { secret } = await enrol(c);
    const { token } = expectStatus(await c.post('/api/v1/api-tokens', { name: 'script' }), 201);
    const script = new Client(server.url, null);
    script.bearer = token;
    expect((await script.post('/api/v1/me/two-factor/disable', { code: codeAt(secret, 1) })).status).toBe(
      403,
    );
    expect((await script.post('/api/v1/me/two-factor/enrolment')).status).toBe(403);
    expect((await c.post('/api/v1/me/two-factor/disable', { code: '000000' })).status).toBe(422);
    expectStatus(await c.post('/api/v1/me/two-factor/disable', { code: codeAt(secret, 1) }), 204);
    expect(expectStatus(await c.get('/api/v1/me/two-factor'), 200).enabled).toBe(false);
    expectStatus(await server.client().post('/api/v1/session', { email, password: PASSWORD }), 200);

    await enrol(c);
    expect(expectStatus(await admin.get(`/api/v1/users/${user.id}`), 200).twoFactorEnabled).toBe(true);
    const reset = expectStatus(await admin.patch(`/api/v1/users/${user.id}`, { resetTwoFactor: true }), 200);
    expect(reset.twoFactorEnabled).toBe(false);
    expectStatus(await server.client().post('/api/v1/session', { email, password: PASSWORD }), 200);
  });

  it('when the provider requires it, provider and channel admins set it up at sign-in; customer admins do not', async () => {
    const channel = expectStatus(await admin.post('/api/v1/channels', { name: 'Two-factor channel' }), 201);
    const customer = expectStatus(
      await admin.post('/api/v1/customers', { name: 'Two-factor customer', channelId: channel.id }),
      201,
    );
    const { email: channelEmail } = await newUser('channel_admin', channel.id);
    const customerEmail = `two-factor-customer@example.com`;
    expectStatus(
      await admin.post('/api/v1/users', {
        email: customerEmail,
        name: 'Customer',
        role: 'customer_admin',
        customerId: customer.id,
        password: PASSWORD,
      }),
      201,
    );
    // Only provider admins change the setting.
    const channelClient = server.client();
    await channelClient.login(channelEmail, PASSWORD);
    expect((await channelClient.patch('/api/v1/settings', { requireTwoFactorForAdmins: true })).status).toBe(
      403,
    );

    // The provider admin enrols first, so the setting cannot lock everyone out.
    await enrol(admin);
    expect(
      expectStatus(await admin.patch('/api/v1/settings', { requireTwoFactorForAdmins: true }), 200)
        .requireTwoFactorForAdmins,
    ).toBe(true);
    try {
      const browser = server.client();
      const first = expectStatus(
        await browser.post('/api/v1/session', { email: channelEmail, password: PASSWORD }),
        202,
      );
      expect(first.twoFactor).toBe('enrol');
      // Without the second step there is no session; a wrong first code does not enrol.
      expect(expectStatus(await browser.get('/api/v1/me'), 200)).toBeNull();
      const enrolment = expectStatus(
        await browser.post('/api/v1/session/two-factor/enrolment', { challenge: first.challenge }),
        200,
      );
      expect(
        (await browser.post('/api/v1/session/two-factor', { challenge: first.challenge, code: '000000' }))
          .status,
      ).toBe(422);
      const done = expectStatus(
        await browser.post('/api/v1/session/two-factor', {
          challenge: first.challenge,
          code: codeAt(enrolment.secret),
        }),
        200,
      );
      expect(done.email).toBe(channelEmail);
      expect(done.recoveryCodes).toHaveLength(10);
      const status = expectStatus(await browser.get('/api/v1/me/two-factor'), 200);
      expect(status).toMatchObject({ enabled: true, required: true });
      // Required: it cannot be turned off.
      expect(
        (await browser.post('/api/v1/me/two-factor/disable', { code: codeAt(enrolment.secret, 1) })).status,
      ).toBe(403);
      // A verify challenge cannot start another enrolment.
      const next = expectStatus(
        await server.client().post('/api/v1/session', { email: channelEmail, password: PASSWORD }),
        202,
      );
      expect(next.twoFactor).toBe('verify');
      expect(
        (await server.client().post('/api/v1/session/two-factor/enrolment', { challenge: next.challenge }))
          .status,
      ).toBe(409);
      // Customer admins are not concerned.
      expectStatus(
        await server.client().post('/api/v1/session', { email: customerEmail, password: PASSWORD }),
        200,
      );
    } finally {
      expectStatus(await admin.patch('/api/v1/settings', { requireTwoFactorForAdmins: false }), 200);
    }
  });
});
