import net from 'node:net';
import { DnsError, type RecordType } from './dns-provider.ts';

/** A DNS label as the adapters accept it: letters, digits, `_` and inner hyphens (1–63), or a wildcard `*`. */
const LABEL = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?|\*)$/;

/** The lower-case form of a fully qualified name without the trailing dot; undefined when it is not one. */
export function canonicalName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.length === 0 || lower.length > 253 || !lower.split('.').every((label) => LABEL.test(label)))
    return undefined;
  return lower;
}

/** RFC 5952 text of an IPv6 address (WHATWG URL serialisation), so equal addresses compare equal. */
export const canonicalIpv6 = (value: string) => new URL(`http://[${value}]/`).hostname.slice(1, -1);

/**
 * The canonical owner name of `name`, checked to be a valid name inside `zone` before anything is sent;
 * `nothingDone` ends the message (e.g. "nothing was sent to 127.0.0.1:53").
 */
export function ownerInZone(name: string, zone: string, nothingDone: string): string {
  const owner = canonicalName(name);
  if (!owner)
    throw new DnsError(
      'invalid',
      `'${name}' is not a valid DNS name (a fully qualified name without the trailing dot).`,
    );
  if (owner !== zone && !owner.endsWith(`.${zone}`))
    throw new DnsError('invalid', `The name '${name}' is not in zone '${zone}': ${nothingDone}.`);
  return owner;
}

/** A record's value as the adapters compare it: an A or AAAA address checked (IPv6 canonical), TXT as is. */
export function checkedValue(type: RecordType, value: string): string {
  if (type === 'A') {
    if (!net.isIPv4(value)) throw new DnsError('invalid', `'${value}' is not an IPv4 address.`, {});
    return value;
  }
  if (type === 'AAAA') {
    if (!net.isIPv6(value) || value.includes('%'))
      throw new DnsError('invalid', `'${value}' is not an IPv6 address.`, {});
    return canonicalIpv6(value);
  }
  return value;
}
