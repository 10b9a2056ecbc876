/**
 * TSIG (RFC 8945, HMAC-SHA256) as a server uses it (`verifyRequest`, `responseTsig`): the one implementation in
 * `@trunkline/dns-wire`, shared with the server's RFC 2136 adapter. BIND9 and `dig` in the system tier are the
 * independent check of both.
 */
export * from '@trunkline/dns-wire';
