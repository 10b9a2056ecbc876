import { signInWithContosoService } from '../support/contoso-service.ts';
import { expect, screenshot, test } from '../support/fixtures.ts';

type Row = { index: number; values: Record<string, string> };

/** The AudioCodes emulator's tables, read through its control API (not Trunkline's adapter). */
async function sbcTables(): Promise<Record<string, Row[]>> {
  const res = await fetch(`${process.env.E2E_SBC_CONTROL_URL}/tables`);
  expect(res.ok).toBe(true);
  return (await res.json()) as Record<string, Row[]>;
}
/** The SIP requests the emulator's SIP/TLS listener received (its control API). */
async function sipRequests(): Promise<{ method: string; serverName: string; status: number | null }[]> {
  const res = await fetch(`${process.env.E2E_SBC_CONTROL_URL}/sip-requests`);
  expect(res.ok).toBe(true);
  return (await res.json()) as { method: string; serverName: string; status: number | null }[];
}
const HEALTH_CHECKS = ['DNS', 'Certificate', 'SBC rows', 'Tenant', 'SIP OPTIONS'];

const dialPlanOf = async (fqdn: string) =>
  ((await sbcTables()).DialPlanRule ?? []).filter((r) => r.values.Tag === fqdn).map((r) => r.values.Prefix);

test('Configure SBC: plan preview with the INI rows → live step → configured → health all green; Remove service takes the rows away', async ({
  page,
}) => {
  test.setTimeout(240_000);
  // A service with default routing active (started through the API: the routing spec covers its UI).
  const { api, svc } = await signInWithContosoService(page, {
    fullName: 'SBC by browser',
    shortName: 'sbc-e2e',
  });
  await expect(async () => {
    const connection = await (await api.get(`/services/${svc.id}/connection`)).json();
    expect(connection.teamsRole.state).not.toBe('unknown');
  }).toPass({ timeout: 30_000 });
  expect((await api.post(`/services/${svc.id}/routing`, { configureDns: true })).status()).toBe(202);
  await expect(async () => {
    const service = await (await api.get(`/services/${svc.id}`)).json();
    expect(service.lifecycle.state).toBe('active');
  }).toPass({ timeout: 120_000 });
  const ranges = await api.put(`/services/${svc.id}/number-ranges`, {
    ranges: [{ range: '+4989123[1000-1999]' }, { range: '+4989124555' }],
  });
  expect(ranges.status(), await ranges.text()).toBe(200);

  await page.goto(`/services/${svc.id}`);
  await expect(page.getByRole('region', { name: 'Next action' })).toContainText('Configure SBC');
  const panel = page.getByRole('region', { name: 'SBC', exact: true });
  await expect(panel.getByLabel('SBC state')).toHaveText('Not configured');
  await expect(panel.getByLabel('SBC', { exact: true })).toHaveValue(/E2E Mediant.*\(default\)/);
  await panel.getByRole('button', { name: 'Preview the plan' }).click();
  await expect(panel.getByRole('list', { name: 'Number ranges' })).toContainText('+4989123[1000-1999]');
  const rows = panel.getByRole('list', { name: 'Rows to write' });
  await expect(rows).toContainText('DialPlanRule');
  await expect(rows).toContainText('SBCAdmissionProfile');
  await expect(panel.getByLabel('Text to write')).toContainText(
    `"DP_Teams_Tenant", 100, "sbc-e2e", "+4989123[1000-1999]", "${svc.trunkFqdn}";`,
  );
  // The preview changed nothing on the SBC.
  expect(await dialPlanOf(svc.trunkFqdn)).toEqual([]);
  await page.screenshot({ path: screenshot('sbc-plan.png'), fullPage: true });

  // Configure from the keyboard: the button, then the confirmation (focused) with Enter.
  await panel.getByRole('button', { name: 'Configure SBC' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Configure SBC' });
  await expect(dialog.getByRole('button', { name: 'Configure SBC' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();

  // The run's step shows live in the routing panel; the SBC holds the rows.
  const routing = page.getByRole('region', { name: 'Default routing' });
  await expect(routing.getByText(/^Configure SBC — started/)).toBeVisible({ timeout: 30_000 });
  await expect(routing.locator('[data-step="configure-sbc"]')).toContainText('succeeded', {
    timeout: 60_000,
  });
  await expect(panel.getByLabel('SBC state')).toHaveText('Configured');
  expect(await dialPlanOf(svc.trunkFqdn)).toEqual(['+4989123[1000-1999]', '+4989124555']);

  // Health: all five lights green — the FQDN resolves to the SBC (127.0.0.1), whose SIP/TLS listener presents a
  // certificate for *.sbc.trunkline.example from the world's CA and answers OPTIONS with 200; the SBC holds the
  // rows; the tenant has the domain and the route. The check after the run may still be on its way: Check now.
  const health = page.getByRole('region', { name: 'Health' });
  await expect(async () => {
    await health.getByRole('button', { name: 'Check now' }).click();
    await expect(health.getByRole('button', { name: 'Check now' })).toBeEnabled();
    for (const check of HEALTH_CHECKS)
      await expect(health.getByRole('row', { name: new RegExp(`^${check} Healthy`) })).toBeVisible({
        timeout: 2_000,
      });
  }).toPass({ timeout: 60_000 });
  await expect(health.getByRole('row', { name: /^DNS Healthy/ })).toContainText(
    `${svc.trunkFqdn} resolves to 127.0.0.1.`,
  );
  await expect(health.getByRole('row', { name: /^SIP OPTIONS Healthy/ })).toContainText(
    'The SBC answered OPTIONS with 200 OK.',
  );
  await expect(health.getByText('Problem')).toBeHidden();
  await expect(health.getByText('Warning')).toBeHidden();
  // The health check reached the emulator's SIP listener over TLS with the customer FQDN as SNI.
  expect(
    (await sipRequests()).filter((r) => r.serverName === svc.trunkFqdn && r.method === 'OPTIONS'),
  ).toContainEqual({
    method: 'OPTIONS',
    requestUri: expect.any(String),
    serverName: svc.trunkFqdn,
    status: 200,
  });
  await page.screenshot({ path: screenshot('sbc-configured.png'), fullPage: true });

  // Remove service: the SBC step first, from its record; the rows are gone from the device.
  await routing.getByRole('button', { name: 'Remove service' }).click();
  const confirm = page.getByRole('dialog');
  await confirm.getByLabel('Type sbc-e2e to confirm').fill('sbc-e2e');
  await confirm.getByRole('button', { name: 'Remove service' }).click();
  await expect(routing.getByText('The service was removed from the tenant and from DNS.')).toBeVisible({
    timeout: 90_000,
  });
  expect(await dialPlanOf(svc.trunkFqdn)).toEqual([]);
  const admission = (await sbcTables()).SBCAdmissionProfile ?? [];
  expect(admission.filter((r) => r.values.Name === 'CAC_sbc-e2e')).toEqual([]);
});
