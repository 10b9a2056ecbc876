import { expect, signIn, screenshot, test } from '../support/fixtures.ts';
import { apiOf, customerNamed } from '../support/world.ts';

/** The customer's own Teams Notification Service app in the emulator's contoso (seed.json: CallRecords.Read.All). */
const NOTIFY_APP = {
  clientId: 'd4b1c9e3-6a2f-4c7d-8e15-9f3a7b2c0d61',
  clientSecret: 'Ctso~notify-app.secret-0001',
};
const CALLS = 12;
const FAILED_CALLS = 3;
/** Calls made while the dashboard is open, which auto-refresh brings in. */
const LATER_CALLS = 4;

type Summary = {
  calls: { total: number; answered: number; failed: number };
  streams: { callRecords: number; poorCalls: number; streams: number; poorStreams: number };
};

/** The M365 emulator's call generator (its control API, not a Microsoft API): calls delivered through the webhook. */
async function generateCalls(trunkFqdn: string, calls = CALLS, seed = 1515): Promise<string[]> {
  const res = await fetch(`${process.env.E2E_M365_URL}/_control/call-records/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tenant: 'contoso',
      trunkFqdn,
      calls,
      poorShare: 0.4,
      failedCalls: FAILED_CALLS,
      seed,
    }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { records: string[] }).records;
}

test('Call quality: a service with the Notification Service → generated calls → the dashboard with data → a poor call down to its streams; customer admins see their own', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  await signIn(page);
  const api = apiOf(page);

  // A sandbox onboarding (through the API: the onboarding spec covers its UI) with the customer's Notification
  // Service app set in step 9, which makes Trunkline subscribe to contoso's call records at Graph.
  // contoso belongs to 'Secure Co' in this world (one tenant, one customer; the connection spec connects it first).
  const customerId = await customerNamed(page, 'Secure Co');
  const created = await api.post('/services', {
    customerId,
    type: 'direct-routing',
    fullName: 'Call quality by browser',
    shortName: 'qoe-e2e',
    licenseType: 'hosted-essentials-plus',
    licensedUsers: 5,
    adminAuth: {
      method: 'credentials',
      username: 'admin@contoso.onmicrosoft.com',
      password: 'Contoso-Admin-1!',
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const svc = (await created.json()) as { id: string; trunkFqdn: string };
  await expect(async () => {
    const connection = await (await api.get(`/services/${svc.id}/connection`)).json();
    expect(connection.teamsRole.state).not.toBe('unknown');
  }).toPass({ timeout: 30_000 });
  const settings = await api.put(`/services/${svc.id}/m365-settings`, {
    m365Domain: 'contoso.onmicrosoft.com',
    grantAdminAccess: { channelAdmins: true, customerAdmins: false },
    notificationApp: NOTIFY_APP,
  });
  expect(settings.status(), await settings.text()).toBe(200);
  await expect(async () => {
    const state = await (await api.get(`/services/${svc.id}/qoe/subscription`)).json();
    expect(state.subscription?.graphSubscriptionId ?? null).not.toBeNull();
  }).toPass({ timeout: 60_000 });

  // Calls happen: Microsoft notifies the webhook, Trunkline fetches the call records and stores their streams.
  const records = await generateCalls(svc.trunkFqdn);
  expect(records).toHaveLength(CALLS);
  let summary: Summary | undefined;
  await expect(async () => {
    summary = (await (await api.get(`/qoe/summary?serviceId=${svc.id}`)).json()) as Summary;
    expect(summary.streams.callRecords).toBe(CALLS);
  }).toPass({ timeout: 90_000 });
  const { streams } = summary!;
  expect(streams.poorCalls).toBeGreaterThan(0);

  // The Onboarding view's last 24 hours of the customer's services.
  await page.goto(`/onboarding/${customerId}`);
  const onboarding = page.getByRole('region', { name: 'Call quality — last 24 hours' });
  await expect(onboarding.getByRole('row', { name: /Call quality by browser/ })).toContainText(
    `(${streams.poorStreams} of ${streams.streams})`,
  );

  // The service page's last 24 hours, and its way to the dashboard filtered to the service.
  await page.goto(`/services/${svc.id}`);
  const card = page.getByRole('region', { name: 'Call quality — last 24 hours' });
  await expect(card.getByRole('group', { name: 'Poor streams' })).toContainText(
    `${streams.poorStreams} of ${streams.streams}`,
  );
  await expect(card).toContainText('Call-record subscription active until');
  await card.getByRole('link', { name: 'Open call quality' }).click();
  await expect(page).toHaveURL(new RegExp(`/quality\\?serviceId=${svc.id}`));

  // The dashboard with data: the figures are the API's, the charts are drawn, the thresholds are named.
  await expect(page.getByRole('heading', { name: 'Call quality', level: 2 })).toBeVisible();
  // The charts render in one go once the summary arrives; on a loaded machine that takes a while.
  await expect(page.getByRole('group', { name: 'Calls with poor audio' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByLabel('Filter by service')).toHaveValue(/Call quality by browser/);
  const poorCalls = page.getByRole('group', { name: 'Calls with poor audio' });
  await expect(poorCalls).toContainText(String(streams.poorCalls));
  await expect(poorCalls).toContainText(`of ${CALLS} call records`);
  await expect(page.getByRole('group', { name: 'Poor streams' })).toContainText(
    `${streams.poorStreams} of ${streams.streams} media streams`,
  );
  for (const chart of [
    'Calls over time',
    'Success rate',
    'Top final SIP codes',
    'Poor streams',
    'Poor streams by threshold',
    'Top services by poor calls',
  ])
    await expect(page.getByRole('region', { name: chart, exact: true })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Poor-stream thresholds' })).toContainText('Jitter > 30 ms');
  await expect(page.getByRole('list', { name: 'Poor-stream thresholds' })).toContainText(
    'Round trip > 500 ms',
  );
  // recharts drew the series (svg paths), not an empty frame.
  await expect(
    page
      .getByRole('region', { name: 'Poor streams by threshold' })
      .locator('.recharts-bar-rectangle')
      .first(),
  ).toBeVisible();
  const calls = page.getByRole('region', { name: 'Calls', exact: true });
  // Every call record links to its streams (failed attempts from the Direct Routing log, once pulled, do not).
  await expect(calls.getByRole('link', { name: /: streams$/ })).toHaveCount(CALLS);
  await page.screenshot({ path: screenshot('qoe-dashboard.png'), fullPage: true });

  // Only the calls with poor audio; open one from the keyboard.
  await calls.getByText('Poor audio', { exact: true }).click();
  await expect(calls.getByRole('radio', { name: 'Poor audio' })).toBeChecked();
  await expect(calls.getByRole('link', { name: /: streams$/ })).toHaveCount(streams.poorCalls);
  await expect(calls.getByRole('link', { name: /poor audio: streams$/ })).toHaveCount(streams.poorCalls);
  const poorCall = calls.getByRole('link', { name: /poor audio: streams$/ }).first();
  await poorCall.focus();
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL(new RegExp(`/quality/services/${svc.id}/calls/`));
  await expect(page.getByText('Poor audio', { exact: true })).toBeVisible();
  const session = page.getByRole('region', { name: 'Session 1' });
  const table = session.getByRole('table', { name: 'Media streams' });
  await expect(table.getByRole('row')).toHaveCount(3);
  // At least one stream is Poor, with the metrics over Microsoft's thresholds marked in words.
  await expect(table.locator('tr[data-poor="true"]').first()).toBeVisible();
  await expect(table.locator('td[data-poor="true"]').first()).toContainText('poor');
  await expect(session.getByText(/^Segment 1: /)).toContainText('→');
  await page.screenshot({ path: screenshot('qoe-call-streams.png'), fullPage: true });

  // Back to the list the call was opened from.
  await page.getByRole('link', { name: '← Call quality' }).click();
  await expect(page).toHaveURL(new RegExp(`/quality\\?serviceId=${svc.id}`));

  // More calls while the dashboard is open: auto-refresh (every 30 s) shows them without a reload.
  await generateCalls(svc.trunkFqdn, LATER_CALLS, 1516);
  await expect(poorCalls).toContainText(`of ${CALLS + LATER_CALLS} call records`, { timeout: 60_000 });

  // Other ranges: the last 7 days, and a custom range of one day (today) picked in the calendar.
  await page.getByText('Last 7 days', { exact: true }).click();
  await expect(page).toHaveURL(/range=7d/);
  await expect(poorCalls).toContainText(`of ${CALLS + LATER_CALLS} call records`);
  await page.getByText('Custom', { exact: true }).click();
  await page.getByRole('button', { name: 'Days' }).click();
  const now = new Date();
  const today = now.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
  await page.getByRole('button', { name: today, exact: true }).click();
  await page.getByRole('button', { name: today, exact: true }).click();
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  await expect(page).toHaveURL(new RegExp(`range=custom&from=${day}&to=${day}`));
  await expect(page.getByText(/^\d{4}-\d{2}-\d{2} 00:00 – /)).toBeVisible();

  // The same page for customer admins, scoped by the server: the customer's own admin sees its calls; the admin of
  // another customer sees none, and the page says how data arrives.
  const otherCustomerId = await customerNamed(page, 'Quiet Co');
  const asCustomerAdmin = async (email: string, customer: string) => {
    const password = 'a long enough password';
    const res = await api.post('/users', {
      email,
      name: email.split('@')[0],
      role: 'customer_admin',
      customerId: customer,
      password,
    });
    expect(res.status(), await res.text()).toBe(201);
    const other = await (await browser.newContext()).newPage();
    await other.goto('/login');
    await other.getByLabel('Email').fill(email);
    await other.getByLabel('Password', { exact: true }).fill(password);
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(other).not.toHaveURL(/\/login/);
    await other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call quality' }).click();
    // A fresh browser loads the page's chunks (charts included) for the first time: slow on a busy machine.
    await expect(other.getByRole('heading', { name: 'Call quality', level: 2 })).toBeVisible({
      timeout: 30_000,
    });
    return other;
  };
  // The customer's figure as the provider's API gives it: every service of the customer that has the Notification
  // Service app set (other specs' contoso services of Secure Co may have it too) counts contoso's call records.
  const forCustomer = (await (await api.get(`/qoe/summary?customerId=${customerId}`)).json()) as Summary;
  expect(forCustomer.streams.callRecords).toBeGreaterThanOrEqual(CALLS + LATER_CALLS);
  const own = await asCustomerAdmin('quality-admin@e2e.test', customerId);
  await expect(own.getByRole('group', { name: 'Calls with poor audio' })).toContainText(
    `of ${forCustomer.streams.callRecords} call records`,
    { timeout: 30_000 },
  );
  await own.context().close();
  const quiet = await asCustomerAdmin('quiet-admin@e2e.test', otherCustomerId);
  const empty = quiet.getByRole('region', { name: 'No calls in the last 24 hours' });
  await expect(empty).toContainText('Teams Notification Service');
  await expect(quiet.getByRole('group', { name: 'Calls with poor audio' })).toBeHidden();
  await quiet.screenshot({ path: screenshot('qoe-empty.png'), fullPage: true });
  await quiet.context().close();
});
