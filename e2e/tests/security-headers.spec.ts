import { expect, signIn, test } from '../support/fixtures.ts';

/**
 * The built web app under the server's Content-Security-Policy: the login page, signed-in pages with tables and
 * dialogs (Mantine's run-time styles, portals) and the API docs report no violation, neither as a
 * `securitypolicyviolation` event nor as a console message.
 */
test('the portal runs under its Content-Security-Policy without a single violation', async ({ page }) => {
  const violations: string[] = [];
  await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation;
      report(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}`);
    });
  });
  page.on('console', (message) => {
    if (/content security policy/i.test(message.text())) violations.push(message.text());
  });

  const login = await page.goto('/login');
  const csp = login!.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/(^|;)\s*script-src 'self'\s*(;|$)/);
  expect(login!.headers()['x-content-type-options']).toBe('nosniff');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();

  await signIn(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Customers' }).click();
  await expect(page.getByRole('heading', { name: 'Customers' })).toBeVisible();
  await page.getByRole('button', { name: 'New customer' }).click();
  const dialog = page.getByRole('dialog', { name: 'New customer' });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  for (const item of ['Services', 'Users', 'Audit', 'Settings']) {
    await nav.getByRole('link', { name: item }).click();
    await expect(page.getByRole('heading', { name: item }).first()).toBeVisible();
  }

  await page.goto('/api/docs');
  // Swagger UI's bundle is large: it may take a while on a busy machine.
  await expect(page.getByRole('heading', { name: /Trunkline API/ })).toBeVisible({ timeout: 30_000 });

  expect(violations).toEqual([]);
});
