import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const folder = new URL('../../drizzle/', import.meta.url);
const MIGRATION = '0011_service_trunk_zone';

/** Runs one migration file as drizzle-kit's migrator does: statement by statement. */
async function apply(db: PGlite, tag: string) {
  const text = await readFile(new URL(`${tag}.sql`, folder), 'utf8');
  for (const statement of text.split('--> statement-breakpoint'))
    if (statement.trim()) await db.exec(statement);
}

/** Services stored before the zone and the override flag existed get both from what they hold. */
describe(`migration ${MIGRATION}`, () => {
  let db: PGlite;

  beforeAll(async () => {
    db = new PGlite();
    const journal = JSON.parse(await readFile(new URL('meta/_journal.json', folder), 'utf8')) as {
      entries: { tag: string }[];
    };
    const tags = journal.entries.map((e) => e.tag);
    for (const tag of tags.slice(0, tags.indexOf(MIGRATION))) await apply(db, tag);
    const [customer] = (
      await db.query<{ id: string }>(`insert into customers (name) values ('Old customer') returning id`)
    ).rows;
    const insert = (shortName: string, subdomain: string, trunkFqdn: string) =>
      db.query(
        `insert into services (customer_id, type, full_name, short_name, subdomain, trunk_fqdn, license_type,
           licensed_users, status, admin_auth_method)
         values ($1, 'direct-routing', $2, $2, $3, $4, 'hosted-essentials-plus', 1, 'active', 'invite')`,
        [customer!.id, shortName, subdomain, trunkFqdn],
      );
    await insert('Contoso_01', 'contoso-01', 'contoso-01.sbc.trunkline.example');
    await insert('--Fab!!rikam--', 'fab-rikam', 'fab-rikam.old-zone.example');
    await insert('Chosen', 'picked', 'picked.sbc.trunkline.example');
    await insert('Broken', 'broken', 'elsewhere.example');
    // The provider has moved on to another base domain since.
    await db.query(`update provider_settings set sbc_base_domain = 'sbc2.trunkline.example'`);
    await apply(db, MIGRATION);
  });
  afterAll(() => db?.close());

  it('takes the zone from the stored trunk FQDN and marks labels not derived from the short name', async () => {
    const { rows } = await db.query<{ short_name: string; zone: string; subdomain_overridden: boolean }>(
      `select short_name, zone, subdomain_overridden from services order by short_name`,
    );
    expect(rows).toEqual([
      { short_name: '--Fab!!rikam--', zone: 'old-zone.example', subdomain_overridden: false },
      { short_name: 'Broken', zone: 'sbc2.trunkline.example', subdomain_overridden: false },
      { short_name: 'Chosen', zone: 'sbc.trunkline.example', subdomain_overridden: true },
      { short_name: 'Contoso_01', zone: 'sbc.trunkline.example', subdomain_overridden: false },
    ]);
  });

  it('leaves the zone required', async () => {
    await expect(db.query(`update services set zone = null`)).rejects.toThrow(/null/);
  });
});
