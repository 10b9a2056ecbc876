export * from './problem.ts';
export * from './common.ts';
export * from './access.ts';
export * from './auth.ts';
export * from './channels.ts';
export * from './customers.ts';
export * from './users.ts';
