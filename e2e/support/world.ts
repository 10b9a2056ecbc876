import type { Browser, Page } from '@playwright/test';
import { expect } from './fixtures.ts';

/** Helpers that act on the e2e world (the server, the mail sink, the Microsoft 365 emulator) for a spec. */

const inbox = () => process.env.E2E_INBOX_URL!;
const m365 = () => process.env.E2E_M365_URL!;

/** The invitation link of the newest e-mail that reached `to` in the mail sink. */
export async function linkFromMail(to: string): Promise<string> {
  let link = '';
  await expect(async () => {
    const messages = (await (await fetch(`${inbox()}/api/messages`)).json()) as {
      to: string[];
      text: string;
    }[];
    const mail = messages.filter((m) => m.to.includes(to)).at(-1);
    link = /(http\S+\/invite\/[A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(link).not.toBe('');
  }).toPass({ timeout: 30_000 });
  return link;
}

/** A test-control call of the Microsoft 365 emulator (not a Microsoft API). */
export async function m365Control(method: 'PUT' | 'POST', path: string, body: unknown) {
  const res = await fetch(`${m365()}/_control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
}

/** Writes through the API as the page's signed-in user (same origin, as the browser would). */
export function apiOf(page: Page) {
  const headers = () => ({ origin: new URL(page.url()).origin });
  return {
    post: (path: string, data?: unknown) => page.request.post(`/api/v1${path}`, { data, headers: headers() }),
    put: (path: string, data: unknown) => page.request.put(`/api/v1${path}`, { data, headers: headers() }),
    get: (path: string) => page.request.get(`/api/v1${path}`),
  };
}

/** The default-routing settings saved once (a run refuses to start while they never were). */
export async function ensureRoutingSettingsSaved(page: Page) {
  await page.goto('/settings');
  const routing = page.getByRole('region', { name: 'Default routing' });
  await expect(routing.getByLabel('SBC addresses')).toHaveValue(/\d/);
  if (await routing.getByText(/Not saved yet/).isVisible()) {
    await routing.getByRole('button', { name: 'Save' }).click();
    await expect(routing.getByText(/Not saved yet/)).toBeHidden();
  }
}

/** A customer by name, created when missing. */
export async function customerNamed(page: Page, name: string): Promise<string> {
  const api = apiOf(page);
  const found = await (await api.get(`/customers?q=${encodeURIComponent(name)}`)).json();
  if (found.items[0]) return found.items[0].id as string;
  const res = await api.post('/customers', { name });
  expect(res.status()).toBe(201);
  return (await res.json()).id as string;
}

/**
 * The tenant's IT administrator follows the invitation link in a browser of their own (a fresh context, no
 * Trunkline account) and consents at Microsoft's admin-consent page.
 */
export async function consentFromLink(
  browser: Browser,
  link: string,
  admin: { email: string; password: string },
) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByText('This link is valid')).toBeVisible();
  await page.getByRole('button', { name: 'Sign in to Microsoft and consent' }).click();
  await page.getByLabel('Email or username').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  const orgConsent = page.getByLabel('Consent on behalf of your organization');
  if (await orgConsent.count()) await orgConsent.check();
  return {
    /** Presses Accept and waits for Trunkline's answer. */
    accept: async () => {
      await page.getByRole('button', { name: 'Accept' }).click();
      await expect(page.getByText('Connected — you can close this window')).toBeVisible();
      await context.close();
    },
  };
}
