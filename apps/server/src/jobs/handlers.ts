import type { Repositories } from '../app/repositories.ts';
import type { SecretBox } from '../platform/secret-box.ts';
import { purgeExpiredAuthJob } from './definitions.ts';
import { handle, type JobRegistration } from './job.ts';

/** The handler of every job definition, bound to its dependencies. Only worker processes build these. */
export function createJobHandlers({ repos }: { repos: Repositories; secrets: SecretBox }): JobRegistration[] {
  return [
    handle(purgeExpiredAuthJob, async (_payload, { log }) => {
      const now = new Date();
      const purged = await repos.auth.purgeExpired(now, new Date(now.getTime() - 24 * 3600_000));
      log.info(purged, 'purged expired sessions and old failed sign-ins');
    }),
  ];
}
