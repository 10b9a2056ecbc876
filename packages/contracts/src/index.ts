// First: zod's configuration must precede every schema (see zod-config.ts).
import './zod-config.ts';
export * from './problem.ts';
export * from './common.ts';
export * from './access.ts';
export * from './auth.ts';
export * from './channels.ts';
export * from './customers.ts';
export * from './users.ts';
export * from './services.ts';
export * from './trunk-name.ts';
export * from './invitations.ts';
export * from './audit.ts';
export * from './settings.ts';
export * from './routing.ts';
export * from './routing-outcomes.ts';
export * from './lifecycle.ts';
export * from './two-factor.ts';
export * from './live.ts';
