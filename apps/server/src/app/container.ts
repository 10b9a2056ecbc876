import type { Config } from '../config/config.ts';
import { createAuthService } from '../auth/auth.service.ts';
import { createChannelsService } from '../channels/channels.service.ts';
import { createCustomersService } from '../customers/customers.service.ts';
import type { Database } from '../platform/db/database.ts';
import { createUnitOfWork } from '../platform/db/unit-of-work.ts';
import { createUsersService } from '../users/users.service.ts';
import type { JobQueue } from '../jobs/job.ts';
import { createRepositories } from './repositories.ts';

export type ServiceDeps = {
  db: Database;
  jobs: JobQueue;
  config: Pick<Config, 'session' | 'login' | 'publicUrl'>;
};

/** The composition root of the domain: every service with its dependencies, nothing global. */
export function createServices({ db, config }: ServiceDeps) {
  const repos = createRepositories(db);
  const uow = createUnitOfWork(db, createRepositories);
  return {
    repos,
    auth: createAuthService({
      repos,
      uow,
      settings: { sessionTtlHours: config.session.ttlHours, maxFailures: config.login.maxFailures, windowMinutes: config.login.windowMinutes },
    }),
    channels: createChannelsService({ repos, uow }),
    customers: createCustomersService({ repos, uow }),
    users: createUsersService({ repos, uow }),
  };
}
export type Services = ReturnType<typeof createServices>;
