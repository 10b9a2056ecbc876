import { CLASS, fromRdata, type ParsedRr, RCODE, type RecordType, toRdata, TYPE } from './wire.ts';

/** One stored RR: owner name lower-case without the trailing dot, RDATA in canonical (uncompressed) form. */
export type StoredRr = { name: string; type: number; ttl: number; rdata: Buffer };

export type Zone = { name: string; rrs: StoredRr[] };

/** Types the emulator stores through UPDATE; others are refused (it is a test double, not a full server). */
const UPDATABLE = new Set<number>([TYPE.A, TYPE.AAAA, TYPE.TXT, TYPE.CNAME, TYPE.NS, TYPE.SOA]);

export const inZone = (zone: string, name: string) => name === zone || name.endsWith(`.${zone}`);

const sameRr = (a: StoredRr, b: { name: string; type: number; rdata: Buffer }) =>
  a.name === b.name && a.type === b.type && a.rdata.equals(b.rdata);

const rrsetOf = (rrs: StoredRr[], name: string, type: number) =>
  rrs.filter((rr) => rr.name === name && rr.type === type);

/** Meta types and QTYPEs (128–255) that cannot be stored (RFC 2136 §3.4.1.3). */
const isMetaType = (type: number) => type >= 128 && type <= 255;

export function soaSerial(zone: Zone): number {
  const soa = zone.rrs.find((rr) => rr.name === zone.name && rr.type === TYPE.SOA);
  if (!soa) return 0;
  return soa.rdata.readUInt32BE(soa.rdata.length - 20);
}

/** Sets the SOA serial to the next one in serial-number arithmetic (RFC 1982), skipping 0. */
export function bumpSerial(rrs: StoredRr[], zone: string): void {
  const soa = rrs.find((rr) => rr.name === zone && rr.type === TYPE.SOA);
  if (!soa) return;
  const rdata = Buffer.from(soa.rdata);
  const offset = rdata.length - 20;
  rdata.writeUInt32BE((rdata.readUInt32BE(offset) + 1) % 2 ** 32 || 1, offset);
  soa.rdata = rdata;
}

/** A zone with its apex SOA and NS (defaults unless given) and the seed records. */
export function createZone(
  name: string,
  records: { name: string; type: RecordType; ttl: number; value: string }[],
): Zone {
  const zone: Zone = { name, rrs: [] };
  const all = [...records];
  if (!all.some((r) => r.type === 'SOA'))
    all.unshift({
      name,
      type: 'SOA',
      ttl: 3600,
      value: `ns1.${name} hostmaster.${name} 1 3600 600 604800 300`,
    });
  if (!all.some((r) => r.type === 'NS' && r.name === name))
    all.splice(1, 0, { name, type: 'NS', ttl: 3600, value: `ns1.${name}` });
  for (const record of all) {
    const owner = record.name.replace(/\.$/, '').toLowerCase();
    if (!inZone(name, owner)) throw new Error(`Record ${record.name} ${record.type} is not in zone ${name}.`);
    addRr(zone.rrs, {
      name: owner,
      type: TYPE[record.type],
      ttl: record.ttl,
      rdata: toRdata(record.type, record.value),
    });
  }
  return zone;
}

/** Adds an RR (no duplicate RDATA); the whole RRset takes its TTL, as BIND does. */
function addRr(rrs: StoredRr[], rr: StoredRr): void {
  for (const other of rrsetOf(rrs, rr.name, rr.type)) other.ttl = rr.ttl;
  if (!rrs.some((other) => sameRr(other, rr))) rrs.push({ ...rr });
}

export type Answer = {
  rcode: number;
  answers: StoredRr[];
  authorities: StoredRr[];
};

/**
 * An authoritative answer: the RRset (following CNAMEs inside the zone), NODATA (NOERROR, SOA in the
 * authority section) when the name exists but not the type, NXDOMAIN (SOA too) when the name does not exist.
 * A name with records below it (an empty non-terminal) exists.
 */
export function query(zone: Zone, qname: string, qtype: number): Answer {
  const soa = zone.rrs.filter((rr) => rr.name === zone.name && rr.type === TYPE.SOA);
  const answers: StoredRr[] = [];
  let name = qname;
  for (let hops = 0; hops < 8; hops++) {
    const atName = zone.rrs.filter((rr) => rr.name === name);
    const matching = qtype === TYPE.ANY ? atName : atName.filter((rr) => rr.type === qtype);
    if (matching.length) {
      answers.push(...matching);
      break;
    }
    const cname = atName.find((rr) => rr.type === TYPE.CNAME);
    if (!cname || qtype === TYPE.CNAME) break;
    answers.push(cname);
    name = fromRdata(TYPE.CNAME, cname.rdata);
    if (!inZone(zone.name, name)) break;
  }
  if (answers.length) return { rcode: RCODE.NOERROR, answers, authorities: [] };
  const exists = zone.rrs.some((rr) => rr.name === qname || rr.name.endsWith(`.${qname}`));
  return { rcode: exists ? RCODE.NOERROR : RCODE.NXDOMAIN, answers: [], authorities: soa };
}

/**
 * Evaluates the prerequisites (RFC 2136 §3.2), prescans (§3.4.1) and applies (§3.4.2) the updates on a copy of
 * the zone, which replaces the zone only when everything succeeded: the update is atomic. Bumps the SOA serial
 * when something changed. Returns the rcode.
 */
export function applyUpdate(zone: Zone, prerequisites: ParsedRr[], updates: ParsedRr[]): number {
  const rrs = zone.rrs;
  const nameInUse = (name: string) => rrs.some((rr) => rr.name === name);

  // §3.2: prerequisites.
  const expected = new Map<string, { name: string; type: number; rdatas: Buffer[] }>();
  for (const rr of prerequisites) {
    if (rr.ttl !== 0) return RCODE.FORMERR;
    if (!inZone(zone.name, rr.name)) return RCODE.NOTZONE;
    if (rr.klass === CLASS.ANY) {
      if (rr.rdata.length) return RCODE.FORMERR;
      if (rr.type === TYPE.ANY) {
        if (!nameInUse(rr.name)) return RCODE.NXDOMAIN;
      } else if (!rrsetOf(rrs, rr.name, rr.type).length) return RCODE.NXRRSET;
    } else if (rr.klass === CLASS.NONE) {
      if (rr.rdata.length) return RCODE.FORMERR;
      if (rr.type === TYPE.ANY) {
        if (nameInUse(rr.name)) return RCODE.YXDOMAIN;
      } else if (rrsetOf(rrs, rr.name, rr.type).length) return RCODE.YXRRSET;
    } else if (rr.klass === CLASS.IN) {
      if (isMetaType(rr.type)) return RCODE.FORMERR;
      const key = `${rr.name}/${rr.type}`;
      const entry = expected.get(key) ?? { name: rr.name, type: rr.type, rdatas: [] };
      if (!entry.rdatas.some((r) => r.equals(rr.rdata))) entry.rdatas.push(rr.rdata);
      expected.set(key, entry);
    } else return RCODE.FORMERR;
  }
  // Value-dependent "RRset exists": the zone's RRset must be exactly the given RRs (§2.4.2, §3.2.3).
  for (const { name, type, rdatas } of expected.values()) {
    const actual = rrsetOf(rrs, name, type);
    if (actual.length !== rdatas.length || !actual.every((rr) => rdatas.some((r) => r.equals(rr.rdata))))
      return RCODE.NXRRSET;
  }

  // §3.4.1: prescan.
  for (const rr of updates) {
    if (!inZone(zone.name, rr.name)) return RCODE.NOTZONE;
    if (rr.klass === CLASS.IN) {
      if (isMetaType(rr.type)) return RCODE.FORMERR;
      if (!UPDATABLE.has(rr.type)) return RCODE.REFUSED;
      if ((rr.type === TYPE.A && rr.rdata.length !== 4) || (rr.type === TYPE.AAAA && rr.rdata.length !== 16))
        return RCODE.FORMERR;
    } else if (rr.klass === CLASS.ANY) {
      if (rr.ttl !== 0 || rr.rdata.length || (isMetaType(rr.type) && rr.type !== TYPE.ANY))
        return RCODE.FORMERR;
    } else if (rr.klass === CLASS.NONE) {
      if (rr.ttl !== 0 || isMetaType(rr.type)) return RCODE.FORMERR;
    } else return RCODE.FORMERR;
  }

  // §3.4.2: apply on a copy.
  const next: StoredRr[] = rrs.map((rr) => ({ ...rr }));
  const remove = (keep: (rr: StoredRr) => boolean) => {
    const kept = next.filter(keep);
    next.length = 0;
    next.push(...kept);
  };
  let serialSet = false;
  for (const rr of updates) {
    const apexProtected = (type: number) => rr.name === zone.name && (type === TYPE.SOA || type === TYPE.NS);
    if (rr.klass === CLASS.IN) {
      const atName = next.filter((other) => other.name === rr.name);
      if (rr.type === TYPE.SOA) {
        const soa = atName.find((other) => other.type === TYPE.SOA);
        if (rr.name !== zone.name || !soa) continue;
        const oldSerial = soa.rdata.readUInt32BE(soa.rdata.length - 20);
        const newSerial = rr.rdata.readUInt32BE(rr.rdata.length - 20);
        if ((newSerial - oldSerial) >>> 0 === 0 || (newSerial - oldSerial) >>> 0 >= 2 ** 31) continue;
        soa.rdata = rr.rdata;
        soa.ttl = rr.ttl;
        serialSet = true;
        continue;
      }
      if (rr.type === TYPE.CNAME) {
        if (atName.some((other) => other.type !== TYPE.CNAME)) continue; // CNAME and other data: ignored
        remove((other) => !(other.name === rr.name && other.type === TYPE.CNAME));
      } else if (atName.some((other) => other.type === TYPE.CNAME)) continue; // data next to a CNAME: ignored
      addRr(next, rr);
    } else if (rr.klass === CLASS.ANY) {
      if (rr.type === TYPE.ANY) remove((other) => other.name !== rr.name || apexProtected(other.type));
      else if (!apexProtected(rr.type))
        remove((other) => !(other.name === rr.name && other.type === rr.type));
    } else {
      if (rr.type === TYPE.SOA) continue;
      if (rr.type === TYPE.NS && rr.name === zone.name && rrsetOf(next, rr.name, TYPE.NS).length <= 1)
        continue;
      remove((other) => !sameRr(other, rr));
    }
  }
  const changed =
    next.length !== rrs.length ||
    next.some((rr) => !rrs.some((old) => sameRr(old, rr) && old.ttl === rr.ttl));
  if (changed && !serialSet) bumpSerial(next, zone.name);
  zone.rrs = next;
  return RCODE.NOERROR;
}
