import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import { ConsoleGuard } from './console-guard.ts';

/** What global-setup.ts started; missing values mean the suite runs without its server, which is an error. */
function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: run the suite through e2e/playwright.config.ts, whose global setup starts the server.`,
    );
  return value;
}

export const admin = {
  get email() {
    return required('E2E_ADMIN_EMAIL');
  },
  get password() {
    return required('E2E_ADMIN_PASSWORD');
  },
};

export const test = base.extend<{ consoleGuard: ConsoleGuard }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their first argument.
  baseURL: async ({}, use) => {
    await use(required('E2E_BASE_URL'));
  },
  /**
   * Every spec fails on a console error or an uncaught exception in any page it opened (its own context and
   * any context it opens through `browser`). A test that provokes an error on purpose allows it by pattern:
   * `consoleGuard.allow(/own-app/)`.
   */
  consoleGuard: [
    async ({ context, browser, baseURL }, use) => {
      const guard = new ConsoleGuard(baseURL ?? required('E2E_BASE_URL'));
      guard.watch(context);
      await guard.watchBrowser(browser, () => use(guard));
      const unexpected = guard.unexpected();
      expect(unexpected, 'console errors or uncaught exceptions in the browser').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Signs in as the provider admin through the login page. */
export async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** Where a spec's screenshot for the docs goes. */
export const screenshot = (name: string) =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots', name);
