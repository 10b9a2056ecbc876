import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  expectStormSurvived,
  runFaultStorm,
  startStormWorld,
  type StormWorld,
} from '../faults/storm-world.ts';

/**
 * The fault storm of test/faults/storm-world.ts with a real 30-second DNS server outage in the middle of the runs
 * (issue #14). The runner's first pause after a passing failure is 3 s here (production: 15 s), so its six attempts
 * span about 90 s of outage; the integration tier runs the same storm with a 6-second outage.
 */
describe('a fault storm with a 30-second DNS outage', () => {
  let world: StormWorld;
  beforeAll(async () => {
    world = await startStormWorld({ retryBaseSeconds: 3 });
  });
  afterAll(() => world?.close());

  it('completes every run once, delivers the e-mail once, and records every retry in the step history', async () => {
    expectStormSurvived(world, await runFaultStorm(world, { dnsOutageSeconds: 30 }));
  }, 420_000);
});
