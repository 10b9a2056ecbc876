import type { Database, Executor } from './database.ts';

/**
 * Runs `fn` in one transaction with repositories bound to it (the composition root also binds the job queue,
 * `r.jobs`). Services use this for every write so a change, its audit record and its jobs commit together or
 * not at all.
 */
export type UnitOfWork<R> = <T>(fn: (repos: R) => Promise<T>) => Promise<T>;

export function createUnitOfWork<R>(db: Database, makeRepos: (ex: Executor) => R): UnitOfWork<R> {
  return (fn) => db.transaction((tx) => fn(makeRepos(tx)));
}
