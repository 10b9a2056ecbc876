export * from './wire.ts';
export * from './rdata.ts';
export * from './tsig.ts';
