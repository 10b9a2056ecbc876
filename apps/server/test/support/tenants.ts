import { randomUUID } from 'node:crypto';
import { loadDefaultSeed, type Seed } from '@trunkline/emulator-m365';

/**
 * The default seed plus `names` more tenants, each a copy of contoso (same licences and admin, its own id, domains
 * and users): independent customer tenants for tests of many tenants at once.
 */
export function seedWithTenants(names: string[]): Seed {
  const seed = loadDefaultSeed();
  const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
  for (const name of names)
    seed.tenants.push({
      ...structuredClone(contoso),
      name,
      id: randomUUID(),
      displayName: `${name} Ltd`,
      domains: [
        { id: `${name}.onmicrosoft.com`, isInitial: true, isDefault: false },
        { id: `${name}.com`, isInitial: false, isDefault: true },
      ],
      users: contoso.users.map((u) => ({
        ...structuredClone(u),
        id: randomUUID(),
        userPrincipalName: u.userPrincipalName.replace(/contoso/g, name),
      })),
    });
  return seed;
}
