import { sql } from 'drizzle-orm';
import { seedTemplateService, startStack } from './stack.ts';

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/**
 * A customer with `services` services and `views` open Onboarding views (GET /customers/{id}/events): the CPU the
 * server spends per view per change (a service row updated `changes` times, each change published by the
 * database's notification and reloaded by every view), and its CPU while nothing changes (nothing polls).
 * The server runs in this process, so CPU is this process's (the SSE clients' share is small and the same
 * with 0 views).
 */
export async function onboardingViews(services: number, views: number, changes = 20) {
  const s = await startStack({}, 'api');
  try {
    const { customer, service: seed } = await seedTemplateService(s, {
      customer: 'Views customer',
      fullName: 'Seed service',
      shortName: 'seed-view',
    });
    await s.handle.db.execute(sql`
      insert into services (customer_id, type, full_name, short_name, subdomain, zone, trunk_fqdn, license_type,
                            licensed_users, status, admin_auth_method)
      select customer_id, type, 'View ' || g, 'view-' || g, 'view-' || g, zone, 'view-' || g || '.' || zone,
             license_type, 0, status, admin_auth_method
      from services, generate_series(1, ${services - 1}::int) as g where id = ${seed.id}`);
    const change = async (i: number) => {
      await s.handle.db.execute(
        sql`update services set full_name = ${`Seed service ${i}`}, updated_at = now() where id = ${seed.id}`,
      );
      // Let the coalesced reloads run before the next change.
      await new Promise((r) => setTimeout(r, 150));
    };
    const measure = async (open: number) => {
      const controllers: AbortController[] = [];
      let events = 0;
      for (let v = 0; v < open; v++) {
        const ac = new AbortController();
        controllers.push(ac);
        const res = await fetch(`${s.url}/api/v1/customers/${customer.id}/events`, {
          headers: { cookie: s.cookie, accept: 'text/event-stream' },
          signal: ac.signal,
        });
        void (async () => {
          const text = new TextDecoder();
          try {
            for await (const chunk of res.body!)
              events +=
                text.decode(chunk as Uint8Array, { stream: true }).split('event: customer').length - 1;
          } catch {
            // aborted
          }
        })();
      }
      await new Promise((r) => setTimeout(r, 1000));
      const idle0 = cpuMs();
      await new Promise((r) => setTimeout(r, 3000));
      const idleCpuMs = cpuMs() - idle0;
      events = 0;
      const t0 = cpuMs();
      for (let i = 0; i < changes; i++) await change(i);
      await new Promise((r) => setTimeout(r, 500));
      const busyCpuMs = cpuMs() - t0;
      for (const ac of controllers) ac.abort();
      return { idleCpuMs, busyCpuMs, events };
    };
    const none = await measure(0);
    const open = await measure(views);
    return {
      services,
      views,
      changes,
      eventsReceived: open.events,
      cpuMsPerViewPerChange: (open.busyCpuMs - none.busyCpuMs) / (views * changes),
      idleCpuMsOver3sWithViews: open.idleCpuMs,
    };
  } finally {
    await s.stop();
  }
}
