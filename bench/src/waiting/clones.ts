import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { Stack } from '../scale/stack.ts';

/**
 * Dormant clones of the API-made waiting services, for the full size (docs/BENCHMARKS.md "Waiting cheaply"): what
 * 10,000 waiting services leave in the database (rows, one delayed pg-boss job each) costs the server something
 * between rechecks too (the routing sweep reads every unfinished run, pg-boss's maintenance and polling read its
 * job table); creating all 10,000 through the API takes about 2 hours here. So `count` copies of the API-made
 * services' rows are written with SQL, each from one API-made service (its `services`, `service_connections`,
 * `workflows`, `workflow_steps` and `audit_events` rows and its queued `routing.run` job), with new ids and names
 * (`seed-<k>` for `wait-<i>`; originals: runs waiting for the activation, not leased by a recheck at that
 * moment; not one waiting for its turn at the tenant, whose clone the tenant's next turn would wake), and its next recheck moved to a random moment between `quietSeconds` and an hour
 * from now: spread as in the steady state (hourly rechecks), but none within the measurement. They are **not**
 * services that can be rechecked: the emulated tenants hold no domain or activation user for them, and a sealed
 * refresh token is bound to its row (a copy does not open). Their rechecks are measured on the API-made ones.
 *
 * `verify` compares every clone's rows with its original's after mapping the ids and names back: equal except
 * for the columns listed in `MOVED` (the ids themselves, identity columns, the moved recheck time).
 */

/** Columns a clone differs in from its original besides ids and names. */
const MOVED = ['id', 'seq', 'next_attempt_at', 'start_after', 'keep_until', 'created_on'];

/** The clone's text with ids and names of its original replaced (`m` the clone's row of `seed_map`). */
const cloneText = (row: ReturnType<typeof sql>) => sql`
  regexp_replace(
    regexp_replace(
      replace(replace(${row}, m.old_svc::text, m.new_svc::text), m.old_wf::text, m.new_wf::text),
      m.old_short || '(?![0-9])', m.new_short, 'g'),
    m.old_full || '(?![0-9])', m.new_full, 'g')`;

type Clonable = { table: string; schema: string; join: ReturnType<typeof sql>; ownId: boolean };

const CLONABLE: Clonable[] = [
  { table: 'services', schema: 'public', join: sql`t.id = m.old_svc`, ownId: false },
  { table: 'service_connections', schema: 'public', join: sql`t.service_id = m.old_svc`, ownId: false },
  { table: 'workflows', schema: 'public', join: sql`t.id = m.old_wf`, ownId: false },
  { table: 'workflow_steps', schema: 'public', join: sql`t.workflow_id = m.old_wf`, ownId: false },
  { table: 'audit_events', schema: 'public', join: sql`t.target_id = m.old_svc::text`, ownId: true },
  {
    table: 'job',
    schema: 'pgboss',
    join: sql`t.name = 'routing.run' and t.state = 'created' and t.data->>'workflowId' = m.old_wf::text`,
    ownId: true,
  },
];

export async function seedDormantClones(s: Stack, count: number, quietSeconds: number) {
  const t0 = performance.now();
  await s.rows(sql`drop table if exists seed_map`);
  // One row per clone: its original (the API-made services in turn) and its new ids, names and recheck delay.
  await s.rows(sql`
    create temp table seed_map as
      select s.id as old_svc, gen_random_uuid() as new_svc, w.id as old_wf, gen_random_uuid() as new_wf,
             s.short_name as old_short, 'seed-' || k as new_short,
             s.full_name as old_full, 'Seeded ' || k as new_full,
             ${quietSeconds}::float8 + random() * (3600 - ${quietSeconds}::float8) as delay_s
        from (select row_number() over (order by s.created_at, s.id) - 1 as i, s.id, s.short_name, s.full_name
                from services s join workflows w on w.service_id = s.id
               where w.status = 'waiting' and (w.lease_until is null or w.lease_until < now())
                 and exists (select 1 from workflow_steps st where st.workflow_id = w.id and st.name = 'voice-routing'
                              and st.status = 'waiting' and st.message like 'Microsoft does not accept%')) s
        join workflows w on w.service_id = s.id
        join generate_series(1, ${count}) k on (k - 1) % (
          select count(*) from workflows w where w.status = 'waiting' and (w.lease_until is null or w.lease_until < now())
             and exists (select 1 from workflow_steps st where st.workflow_id = w.id and st.name = 'voice-routing'
                          and st.status = 'waiting' and st.message like 'Microsoft does not accept%')
        ) = s.i`);
  const inserted: Record<string, number> = {};
  for (const c of CLONABLE) {
    const qualified = sql`${sql.identifier(c.schema)}.${sql.identifier(c.table)}`;
    const cols = (
      await s.rows<{ name: string }>(
        sql`select column_name as name from information_schema.columns
             where table_schema = ${c.schema} and table_name = ${c.table}
               and is_generated = 'NEVER' and coalesce(identity_generation, '') <> 'ALWAYS'
             order by ordinal_position`,
      )
    ).map((r) => sql.identifier(r.name));
    const list = sql.join(cols, sql`, `);
    const fromRecord = sql.join(
      cols.map((c) => sql`r.${c}`),
      sql`, `,
    );
    const row = c.ownId
      ? sql`replace(row_to_json(t)::text, t.id::text, gen_random_uuid()::text)`
      : sql`row_to_json(t)::text`;
    const done = await s.rows<{ n: number }>(sql`
      with ins as (
        insert into ${qualified} (${list})
        select ${fromRecord} from seed_map m join ${qualified} t on ${c.join},
          lateral json_populate_record(null::${qualified}, (${cloneText(row)})::json) r
        returning 1)
      select count(*)::int as n from ins`);
    inserted[`${c.schema === 'public' ? '' : `${c.schema}.`}${c.table}`] = Number(done[0]!.n);
  }
  // The next recheck, in the step and in its delayed job, moved into the steady state's spread.
  await s.rows(sql`
    update workflow_steps st set next_attempt_at = now() + m.delay_s * interval '1 second'
      from seed_map m where st.workflow_id = m.new_wf and st.name = 'voice-routing'`);
  await s.rows(sql`
    update pgboss.job j
       set keep_until = j.keep_until + ((now() + m.delay_s * interval '1 second') - j.start_after),
           start_after = now() + m.delay_s * interval '1 second'
      from seed_map m
     where j.name = 'routing.run' and j.state = 'created' and j.data->>'workflowId' = m.new_wf::text`);
  return { count, seconds: Math.round((performance.now() - t0) / 100) / 10, inserted };
}

/** Rows of clones equal to their original's (ids and names mapped, `MOVED` columns left out), per table. */
export async function verifyClones(s: Stack) {
  const result: Record<string, { clones: number; equal: number }> = {};
  const moved = sql.raw(`array[${MOVED.map((c) => `'${c}'`).join(', ')}]`);
  for (const c of CLONABLE) {
    const qualified = sql`${sql.identifier(c.schema)}.${sql.identifier(c.table)}`;
    const cloneJoin = sql.raw(
      (
        {
          services: 'x.id = m.new_svc',
          service_connections: 'x.service_id = m.new_svc',
          workflows: 'x.id = m.new_wf',
          workflow_steps: 'x.workflow_id = m.new_wf and x.name = t.name',
          audit_events: 'x.target_id = m.new_svc::text and x.action = t.action and x.at = t.at',
          job: "x.name = t.name and x.state = t.state and x.data->>'workflowId' = m.new_wf::text",
        } as Record<string, string>
      )[c.table]!,
    );
    const [r] = await s.rows<{ clones: number; equal: number }>(sql`
      select count(*)::int as clones,
             count(*) filter (where (${cloneText(sql`row_to_json(t)::text`)})::jsonb - ${moved}
                                     = row_to_json(x)::jsonb - ${moved})::int as equal
        from seed_map m join ${qualified} t on ${c.join} join ${qualified} x on ${cloneJoin}`);
    result[c.table] = { clones: Number(r!.clones), equal: Number(r!.equal) };
  }
  return result;
}
