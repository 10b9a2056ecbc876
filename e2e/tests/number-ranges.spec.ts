import { expect, screenshot, signIn, test } from '../support/fixtures.ts';
import { apiOf, customerNamed } from '../support/world.ts';

/**
 * Number ranges on the service page (issue #11): added from the keyboard with the shared parser's messages per
 * row, the server's overlap with another customer's range shown beside the row and naming that customer, then a
 * CSV paste whose bad lines are listed before anything is sent.
 */
test('an operator edits number ranges inline and imports CSV, seeing every problem before it is saved', async ({
  page,
  consoleGuard,
}) => {
  // The refused save below is answered 409 on purpose; the browser logs it.
  consoleGuard.allow(/409/);
  await signIn(page);
  const api = apiOf(page);
  const service = async (customer: string, shortName: string, fullName: string) => {
    const res = await api.post('/services', {
      customerId: await customerNamed(page, customer),
      type: 'direct-routing',
      fullName,
      shortName,
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      adminAuth: { method: 'invite', email: `it@${shortName}.example.com` },
    });
    expect(res.status()).toBe(201);
    return (await res.json()).id as string;
  };
  const other = await service('Ranges Other GmbH', 'ranges-other', 'Other Berlin');
  expect(
    (
      await api.put(`/services/${other}/number-ranges`, { ranges: [{ range: '+4930123[1000-1999]' }] })
    ).status(),
  ).toBe(200);
  const mine = await service('Ranges Customer AG', 'ranges-mine', 'Ranges Berlin');

  await page.goto(`/services/${mine}`);
  const panel = page.getByRole('region', { name: 'Number ranges' });
  await expect(panel.getByText('No number ranges yet')).toBeVisible();

  await panel.getByRole('button', { name: 'Add range' }).click();
  await expect(panel.getByLabel('Range 1', { exact: true })).toBeFocused();
  await page.keyboard.type('+49 30 555 *');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Reception');
  await panel.getByRole('button', { name: 'Add range' }).click();
  await expect(panel.getByLabel('Range 2', { exact: true })).toBeFocused();
  await page.keyboard.type('+4930555123');
  await page.keyboard.press('Tab');
  await expect(panel.getByText('+4930555123 overlaps +4930555* (row 1).')).toBeVisible();
  await panel.getByLabel('Range 2', { exact: true }).fill('+4930123[1500-1599]');
  await panel.getByRole('button', { name: 'Save number ranges' }).click();
  await expect(
    panel.getByText(
      '+4930123[1500-1599] overlaps +4930123[1000-1999] of Ranges Other GmbH — Other Berlin (ranges-other).',
    ),
  ).toBeVisible();
  await panel.getByLabel('Range 2', { exact: true }).fill('+4930124[1000-1999]');
  await panel.getByLabel('Range 2', { exact: true }).press('Enter');
  await expect(page.getByText('Number ranges saved: 2 added.')).toBeVisible();
  await expect(panel.getByLabel('Range 1', { exact: true })).toHaveValue('+49 30 555 *');
  await expect(panel.getByText('Saved as +4930555*')).toBeVisible();

  const csv = panel.getByLabel('Import from CSV');
  await csv.fill(
    'range,description\n+49*,Whole country\n+4930555999,Desk\n+4940777[100-199];"Hamburg, 2nd floor"\n',
  );
  await expect(panel.getByText(/Line 2: A prefix needs at least 4 digits/)).toBeVisible();
  await expect(
    panel.getByText('Line 3: +4930555999 overlaps +4930555* (already in the list).'),
  ).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Import', exact: true })).toBeDisabled();
  await panel.screenshot({ path: screenshot('number-ranges.png') });
  await csv.fill('range,description\n+4930600*,Support\n+4940777[100-199];"Hamburg, 2nd floor"\n');
  await panel.getByRole('button', { name: 'Import 2 ranges' }).click();
  await expect(page.getByText('Number ranges imported: 2 added.')).toBeVisible();
  await expect(panel.getByLabel('Range 4', { exact: true })).toHaveValue('+4940777[100-199]');
  await expect(panel.getByLabel('Description of range 4')).toHaveValue('Hamburg, 2nd floor');
});
