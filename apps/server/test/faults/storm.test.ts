import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectStormSurvived, runFaultStorm, startStormWorld, type StormWorld } from './storm-world.ts';

/**
 * The fault storm of storm-world.ts with a 6-second DNS outage, so the integration tier stays quick. What carries the
 * runs through it is the retry policy (passing DNS failures tried again with growing pauses, six attempts), which
 * does not depend on the outage's length up to about half a minute; the system tier runs the same storm with the
 * 30-second outage (test/system/fault-storm.test.ts).
 */
describe('a fault storm over three onboardings and an invitation', () => {
  let world: StormWorld;
  beforeAll(async () => {
    world = await startStormWorld();
  });
  afterAll(() => world?.close());

  it('completes every run once, delivers the e-mail once, and records every retry in the step history', async () => {
    expectStormSurvived(world, await runFaultStorm(world, { dnsOutageSeconds: 6 }));
  }, 300_000);
});
