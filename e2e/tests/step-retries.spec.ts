import { signInWithContosoService } from '../support/contoso-service.ts';
import { expect, screenshot, test } from '../support/fixtures.ts';
import { m365Control } from '../support/world.ts';

/**
 * Fault storms (#14): every retry of a routing step is visible in its history. Microsoft throttles the domain step
 * once (429, Retry-After 2 s); the run goes on and finishes, and the service page shows the step's retries with
 * the kind and Microsoft's text.
 *
 * The throttle is the emulator's counted one (`POST /_control/throttle`, added to a list, not replacing other
 * specs' faults), scoped to contoso's Graph requests to verify this spec's trunk domain (`retry-e2e…/verify`, which
 * the plan preview never sends): it answers exactly one request, the run's first verification, and then is gone;
 * nothing else in the world is changed.
 */
const SHORT_NAME = 'retry-e2e';

test('a throttled routing step shows its retry (kind, Retry-After, Microsoft’s text) in the step history', async ({
  page,
}) => {
  test.setTimeout(180_000);
  // Contoso's tenant belongs to one customer on the portal ("Secure Co", as in the routing and SBC specs).
  const { api, svc } = await signInWithContosoService(page, {
    fullName: 'Retries by browser',
    shortName: SHORT_NAME,
  });
  expect(svc.trunkFqdn).toContain(SHORT_NAME);

  await page.goto(`/services/${svc.id}`);
  const panel = page.getByRole('region', { name: 'Default routing' });
  await panel.getByRole('button', { name: 'Preview the plan' }).click();
  await expect(panel.getByRole('table', { name: 'Plan preview' })).toBeVisible({ timeout: 30_000 });

  // Microsoft throttles this service's first domain verification once, asking to wait 2 s (longer than a job
  // waits in its worker slot: the runner gives the slot back and records the retry).
  await m365Control('POST', '/throttle', {
    count: 1,
    retryAfterSeconds: 2,
    surfaces: ['graph'],
    tenant: 'contoso',
    pathContains: `/domains/${svc.trunkFqdn}/verify`,
  });
  await panel.getByRole('button', { name: 'Configure M365 default routing' }).click();
  await expect(panel.getByLabel('Routing run status')).toHaveText('succeeded', { timeout: 120_000 });

  // The domain step counts its retries beside its attempts; steps without retries show no count.
  const domain = panel.locator('[data-step="domain"]');
  await expect(domain).toContainText('succeeded');
  const toggle = domain.getByRole('button', { name: /^\d+ retr(y|ies) of Domain added and verified/ });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(panel.locator('[data-step="dns"]').getByRole('button', { name: /retr(y|ies)/ })).toHaveCount(
    0,
  );

  // Opened from the keyboard: the history with the kind, Microsoft's Retry-After and Microsoft's own text.
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const history = domain.getByRole('list', { name: 'Retries of Domain added and verified in the tenant' });
  const throttled = history.locator('li[data-retry-kind="throttled"]');
  await expect(throttled).toHaveCount(1);
  await expect(throttled).toContainText('Throttled (Retry-After 2 s)');
  await expect(throttled).toContainText(
    'Too many requests. Please retry after the time given in the Retry-After header.',
  );
  await expect(throttled.locator('time')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  // The API says the same (the page shows what the server kept).
  const workflow = (await (await api.get(`/services/${svc.id}/routing`)).json()) as {
    steps: { name: string; retries: { at: string; reason: string }[] }[];
  };
  const kept = workflow.steps.find((s) => s.name === 'domain')?.retries ?? [];
  expect(kept.filter((r) => r.reason.includes('Retry-After'))).toHaveLength(1);
  await expect(toggle).toHaveAccessibleName(new RegExp(`^${kept.length} retr`));
  await domain.screenshot({ path: screenshot('step-retries.png') });

  // Closed again with Space.
  await page.keyboard.press('Space');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(history).toBeHidden();

  // The tenant goes back as it was: the service is removed (its domain, user and trunk leave contoso).
  await panel.getByRole('button', { name: 'Remove service' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel(`Type ${SHORT_NAME} to confirm`).fill(SHORT_NAME);
  await dialog.getByRole('button', { name: 'Remove service' }).click();
  await expect(panel.getByText('The service was removed from the tenant and from DNS.')).toBeVisible({
    timeout: 90_000,
  });
});
