/** The DNS wire format and RDATA forms: the one implementation in `@trunkline/dns-wire`, shared with the server. */
export * from '@trunkline/dns-wire';
