import { expect, screenshot, signIn, test } from '../support/fixtures.ts';

/**
 * Settings → SBCs in the browser: the default SBC the server made from its configuration (the AudioCodes emulator
 * started by global-setup.ts), Test connection reading the device, adding an SBC from the keyboard with the
 * server's field error beside the field, deleting it, and a template problem shown with its line. Leaves the
 * inventory and the templates as it found them (other specs configure SBCs).
 */
test('a provider admin tests the default SBC, adds and deletes one, and sees a template problem with its line', async ({
  page,
  consoleGuard,
}) => {
  // The refused writes below are answered 409/422 on purpose; the browser logs them.
  consoleGuard.allow(/409|422/);
  await signIn(page);
  await page.goto('/settings');
  const section = page.getByRole('region', { name: 'SBCs' });
  const row = section.getByRole('row', { name: /E2E Mediant/ });
  await expect(row.getByText('Default')).toBeVisible();
  await expect(row.getByText('Never tested')).toBeVisible();

  await row.getByRole('button', { name: 'Test connection' }).click();
  await expect(row.getByText('Reachable')).toBeVisible();
  await expect(row.getByText(/firmware \d+\.\d+/)).toBeVisible();
  await expect(row.getByText(/saveNeeded: false/)).toBeVisible();
  await expect(row.getByText(/Last contact: (?!Never)/)).toBeVisible();
  await section.screenshot({ path: screenshot('settings-sbcs.png') });

  // Add one from the keyboard; the name is taken (whatever the case): the server's 409 lands beside the field.
  await section.getByRole('button', { name: 'Add SBC' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add SBC' });
  await expect(dialog.getByLabel('Name', { exact: true })).toBeFocused();
  await page.keyboard.type('e2e mediant');
  await dialog.getByLabel('Management URL').fill('https://sbc-ham.provider.example');
  await dialog.getByLabel('Username').fill('trunkline');
  await dialog.getByLabel('Password', { exact: true }).fill('hamburg-rest-password');
  await dialog.getByLabel('Carrier trunk FQDN').fill('sbc-ham.provider.example');
  await dialog.getByLabel('Public addresses').fill('203.0.113.77, 2001:db8::77');
  await dialog.getByLabel('Public addresses').press('Enter');
  await expect(dialog.getByText('An SBC with this name exists already.')).toBeVisible();
  await dialog.getByLabel('Name', { exact: true }).fill('Hamburg Mediant');
  await dialog.getByLabel('Name', { exact: true }).press('Enter');
  await expect(dialog).toBeHidden();
  const added = section.getByRole('row', { name: /Hamburg Mediant/ });
  await expect(added.getByText('203.0.113.77, 2001:db8::77')).toBeVisible();
  await expect(added.getByText('User trunkline, password stored')).toBeVisible();
  await expect(added.getByText('Default')).toHaveCount(0);

  await added.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete SBC' });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Delete SBC' }).click();
  await expect(section.getByRole('row', { name: /Hamburg Mediant/ })).toHaveCount(0);

  // Templates: an unknown variable is refused with its line; nothing is stored.
  await section.getByRole('tab', { name: 'Templates' }).click();
  await expect(section.getByText('{{customerFqdn}}', { exact: true })).toBeVisible();
  const onboarding = section.getByLabel('Onboarding (incremental INI)');
  const text = await onboarding.inputValue();
  const broken = text.replace('"{{customerFqdn}}"', '"{{customerFQDN}}"');
  const line = broken.split('\n').findIndex((l) => l.includes('{{customerFQDN}}')) + 1;
  await onboarding.fill(broken);
  await section.getByRole('button', { name: 'Save template' }).click();
  await expect(
    section.getByText(`Line ${line}: unknown variable {{customerFQDN}}`, { exact: false }),
  ).toBeVisible();
  await section.screenshot({ path: screenshot('settings-sbc-templates.png') });
  await expect(section.getByText(/Built in/)).toBeVisible();
});
