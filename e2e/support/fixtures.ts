import { test as base, expect } from '@playwright/test';

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

export const test = base.extend({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their first argument.
  baseURL: async ({}, use) => {
    await use(required('E2E_BASE_URL'));
  },
});

export { expect };
