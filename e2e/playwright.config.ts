import { defineConfig, devices } from '@playwright/test';

/**
 * The browser suite: the real server (`node apps/server/src/main.ts all`, started by global-setup.ts on a
 * free port with a fresh database) and the built web app, driven through the Debian chromium. Playwright
 * never downloads a browser here (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 in scripts/test-system.sh).
 *
 *   npm run build -w @trunkline/web && npx playwright test -c e2e/playwright.config.ts
 */
export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // No HTML report: its bundled JS would land in the lint scope. On failure, traces stay in test-results/
  // (npx playwright show-trace e2e/test-results/<test>/trace.zip) next to the server log.
  reporter: 'list',
  use: {
    ...devices['Desktop Chrome'],
    // Filled in by global-setup.ts (process.env reaches the workers); fixtures.ts fails without it.
    baseURL: process.env.E2E_BASE_URL,
    headless: true,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
