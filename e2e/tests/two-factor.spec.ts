import { expect, screenshot, signIn, test } from '../support/fixtures.ts';
import { totp } from '../support/totp.ts';

const USER = { email: 'two-factor@e2e.test', password: 'a long enough password' };

test('a provider admin sets up two-factor sign-in in Settings and then signs in with a code', async ({
  page,
  browser,
}) => {
  // The provider admin makes an account for the person (the suite's own admin keeps signing in with a password).
  await signIn(page);
  const origin = new URL(page.url()).origin;
  const created = await page.request.post('/api/v1/users', {
    data: { ...USER, name: 'Two Factor', role: 'provider_admin' },
    headers: { origin },
  });
  expect(created.status()).toBe(201);

  const first = await (await browser.newContext()).newPage();
  await first.goto('/login');
  await first.getByLabel('Email').fill(USER.email);
  await first.getByLabel('Password', { exact: true }).fill(USER.password);
  await first.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(first).not.toHaveURL(/\/login/);

  await first.goto('/settings');
  const section = first.getByRole('region', { name: 'Two-factor sign-in' });
  await section.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await expect(section.getByRole('img', { name: 'QR code of the two-factor secret' })).toBeVisible();
  const secret = (await section.getByTestId('totp-secret').textContent())!.trim();
  const enrolledAt = Date.now();
  await section.getByLabel('Code from the app').fill(totp(secret, enrolledAt));
  await section.getByRole('button', { name: 'Turn on' }).click();
  const codes = section.getByRole('list', { name: 'Recovery codes' });
  await expect(codes.getByRole('listitem')).toHaveCount(10);
  for (const code of await codes.getByRole('listitem').allTextContents())
    expect(code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
  await first.screenshot({ path: screenshot('two-factor-recovery-codes.png') });
  await section.getByRole('button', { name: 'I have saved them' }).click();
  await expect(section.getByText(/10 recovery codes left/)).toBeVisible();

  // Next sign-in: the password, then the code of the app (the next time step: the first one is spent).
  const second = await (await browser.newContext()).newPage();
  await second.goto('/login');
  await second.getByLabel('Email').fill(USER.email);
  await second.getByLabel('Password', { exact: true }).fill(USER.password);
  await second.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(second.getByRole('heading', { name: 'Two-factor sign-in' })).toBeVisible();
  await expect(second).toHaveURL(/\/login/);
  await second.screenshot({ path: screenshot('two-factor-login.png') });
  await second.getByLabel('Code').fill(totp(secret, enrolledAt + 30_000));
  await second.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(second).not.toHaveURL(/\/login/);
  await expect(second.getByRole('navigation', { name: 'Main' })).toBeVisible();
});
