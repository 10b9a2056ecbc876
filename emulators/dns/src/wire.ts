import net from 'node:net';
import * as dnsPacket from 'dns-packet';

/**
 * DNS wire format for the emulator: message framing (header, names, RRs) written and walked by hand, because
 * `dns-packet` cannot carry RFC 2136 messages (class NONE, RRs with empty RDATA, the UPDATE opcode, TSIG, and it
 * ignores RDLENGTH when decoding A/AAAA). `dns-packet` converts names, SOA and decoded addresses to and from
 * presentation form; addresses are encoded here (its encoder misreads some valid IPv6 forms).
 */

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, UPDATE: 5 } as const;
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
} as const;

export const rcodeName = (rcode: number) =>
  Object.entries(RCODE).find(([, value]) => value === rcode)?.[0] ?? `RCODE${rcode}`;
export const typeName = (type: number) =>
  Object.entries(TYPE).find(([, value]) => value === type)?.[0] ?? `TYPE${type}`;
export const opcodeName = (opcode: number) =>
  opcode === OPCODE.QUERY ? 'QUERY' : opcode === OPCODE.UPDATE ? 'UPDATE' : `OPCODE${opcode}`;

export type Rr = { name: string; type: number; klass: number; ttl: number; rdata: Buffer };
export type ParsedRr = Rr & { start: number; rdataStart: number };
export type Question = { name: string; type: number; klass: number };
export type Message = {
  id: number;
  flags: number;
  opcode: number;
  questions: Question[];
  /** Answer section (UPDATE: Prerequisite section). */
  answers: ParsedRr[];
  /** Authority section (UPDATE: Update section). */
  authorities: ParsedRr[];
  additionals: ParsedRr[];
};

export const u16 = (value: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
};

export const u48 = (value: number) => {
  const b = Buffer.alloc(6);
  b.writeUIntBE(value, 0, 6);
  return b;
};

/** Uncompressed wire form of a name given without the trailing dot ('' is the root). */
export function encodeName(name: string): Buffer {
  const labels = name === '' ? [] : name.split('.');
  return Buffer.concat([
    ...labels.map((label) => {
      const bytes = Buffer.from(label, 'latin1');
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }),
    Buffer.from([0]),
  ]);
}

/** The name at `offset`, following backward compression pointers, lower-cased, without the trailing dot. */
export function decodeName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let position = offset;
  let end = -1;
  for (let hops = 0; ; hops++) {
    if (hops > 127) throw new Error('name too long or looping');
    const length = buf.readUInt8(position);
    if (length === 0) {
      if (end < 0) end = position + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      const pointer = buf.readUInt16BE(position) & 0x3fff;
      if (pointer >= position) throw new Error('forward compression pointer');
      if (end < 0) end = position + 2;
      position = pointer;
      continue;
    }
    if (length > 63) throw new Error('bad label length');
    if (position + 1 + length > buf.length) throw new Error('label past the end');
    labels.push(buf.toString('latin1', position + 1, position + 1 + length).toLowerCase());
    position += 1 + length;
  }
  return { name: labels.join('.'), end };
}

export function encodeRr({ name, type, klass, ttl, rdata }: Rr): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(klass, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), fixed, rdata]);
}

export function encodeMessage(m: {
  id: number;
  flags: number;
  questions: Question[];
  answers?: Rr[];
  authorities?: Rr[];
  additionals?: Rr[];
}): Buffer {
  const sections = [m.answers ?? [], m.authorities ?? [], m.additionals ?? []];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(m.id, 0);
  header.writeUInt16BE(m.flags, 2);
  header.writeUInt16BE(m.questions.length, 4);
  sections.forEach((rrs, i) => header.writeUInt16BE(rrs.length, 6 + 2 * i));
  return Buffer.concat([
    header,
    ...m.questions.map((q) => Buffer.concat([encodeName(q.name), u16(q.type), u16(q.klass)])),
    ...sections.flat().map(encodeRr),
  ]);
}

/**
 * RDATA with the names it contains decompressed and lower-cased (CNAME, NS, SOA, MX), so that it can be stored,
 * compared (RFC 2136 compares RDATA) and sent again outside the message it came in.
 */
function canonicalRdata(buf: Buffer, type: number, start: number, length: number): Buffer {
  const end = start + length;
  const nameAt = (offset: number) => {
    const decoded = decodeName(buf, offset);
    if (decoded.end > end) throw new Error('name past its RDATA');
    return decoded;
  };
  if (length === 0) return Buffer.alloc(0);
  switch (type) {
    case TYPE.CNAME:
    case TYPE.NS:
      return encodeName(nameAt(start).name);
    case TYPE.MX:
      return Buffer.concat([buf.subarray(start, start + 2), encodeName(nameAt(start + 2).name)]);
    case TYPE.SOA: {
      const mname = nameAt(start);
      const rname = nameAt(mname.end);
      if (rname.end + 20 !== end) throw new Error('bad SOA RDATA');
      return Buffer.concat([encodeName(mname.name), encodeName(rname.name), buf.subarray(rname.end, end)]);
    }
    default:
      return Buffer.from(buf.subarray(start, end));
  }
}

/** Walks a message; throws on anything that does not fit its buffer. */
export function parseMessage(buf: Buffer): Message {
  if (buf.length < 12) throw new Error('shorter than a header');
  let offset = 12;
  const questions: Question[] = [];
  for (let i = 0; i < buf.readUInt16BE(4); i++) {
    const { name, end } = decodeName(buf, offset);
    questions.push({ name, type: buf.readUInt16BE(end), klass: buf.readUInt16BE(end + 2) });
    offset = end + 4;
  }
  const section = (count: number) => {
    const rrs: ParsedRr[] = [];
    for (let i = 0; i < count; i++) {
      const start = offset;
      const { name, end } = decodeName(buf, offset);
      const type = buf.readUInt16BE(end);
      const length = buf.readUInt16BE(end + 8);
      const rdataStart = end + 10;
      if (rdataStart + length > buf.length) throw new Error('RDATA past the end');
      const rdata =
        type === TYPE.TSIG
          ? buf.subarray(rdataStart, rdataStart + length)
          : canonicalRdata(buf, type, rdataStart, length);
      rrs.push({
        name,
        type,
        klass: buf.readUInt16BE(end + 2),
        ttl: buf.readUInt32BE(end + 4),
        rdata,
        start,
        rdataStart,
      });
      offset = rdataStart + length;
    }
    return rrs;
  };
  const answers = section(buf.readUInt16BE(6));
  const authorities = section(buf.readUInt16BE(8));
  const additionals = section(buf.readUInt16BE(10));
  if (offset !== buf.length) throw new Error('trailing bytes after the last record');
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    flags,
    opcode: (flags >> 11) & 0xf,
    questions,
    answers,
    authorities,
    additionals,
  };
}

// --- Presentation form ------------------------------------------------------------------------------------

export type RecordType = 'A' | 'AAAA' | 'TXT' | 'CNAME' | 'NS' | 'SOA';
export const RECORD_TYPES: readonly RecordType[] = ['A', 'AAAA', 'TXT', 'CNAME', 'NS', 'SOA'];

/** TXT text as RDATA: UTF-8 bytes cut into character strings of at most 255 bytes. */
function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i === 0 || i < bytes.length; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

/** An address's RDATA. dns-packet's encoder mis-reads some valid IPv6 forms (`::0:0:0:0:0:0:1` becomes `::`). */
function addressRdata(value: string): Buffer {
  if (net.isIPv4(value)) return Buffer.from(value.split('.').map(Number));
  const groups = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = value.split('::');
  const start = groups(head);
  const end = tail === undefined ? [] : groups(tail);
  const all = [...start, ...Array<number>(8 - start.length - end.length).fill(0), ...end];
  const rdata = Buffer.alloc(16);
  all.forEach((group, i) => rdata.writeUInt16BE(group, 2 * i));
  return rdata;
}

const stripDot = (name: string) => (name === '.' ? '' : name.replace(/\.$/, '').toLowerCase());

/**
 * Presentation form → RDATA. A/AAAA an address, CNAME/NS a name, TXT the text (split into 255-byte strings),
 * SOA `mname rname serial refresh retry expire minimum`.
 */
export function toRdata(type: RecordType, value: string): Buffer {
  if (type === 'TXT') return txtRdata(value);
  if (type === 'A' || type === 'AAAA') {
    if (!(type === 'A' ? net.isIPv4(value) : net.isIPv6(value)))
      throw new Error(`bad ${type} value '${value}'`);
    return addressRdata(value);
  }
  let data: string | dnsPacket.SoaData = value; // dns-packet encodes names and SOA
  if (type === 'SOA') {
    const [mname, rname, ...numbers] = value.trim().split(/\s+/);
    const [serial, refresh, retry, expire, minimum] = numbers.map(Number);
    if (!mname || !rname || numbers.length !== 5 || numbers.some((n) => !/^\d+$/.test(n)))
      throw new Error(`bad SOA value '${value}'`);
    data = { mname: stripDot(mname), rname: stripDot(rname), serial, refresh, retry, expire, minimum };
  } else if (type === 'CNAME' || type === 'NS') {
    data = stripDot(value);
  }
  const answer = { type, name: '.', data } as dnsPacket.Answer;
  // The RR of the root name starts at 12; its RDATA at 12 + 1 + 10.
  return Buffer.from(dnsPacket.encode({ answers: [answer] }).subarray(23));
}

/** RDATA → presentation form (see toRdata). Names in RDATA must be uncompressed (they are, once stored). */
export function fromRdata(type: number, rdata: Buffer): string {
  if (type === TYPE.TXT) {
    const parts: Buffer[] = [];
    for (let i = 0; i < rdata.length; i += 1 + rdata.readUInt8(i))
      parts.push(rdata.subarray(i + 1, i + 1 + rdata.readUInt8(i)));
    return Buffer.concat(parts).toString('utf8');
  }
  if (type === TYPE.CNAME || type === TYPE.NS) return decodeName(rdata, 0).name;
  if (type === TYPE.SOA) {
    const mname = decodeName(rdata, 0);
    const rname = decodeName(rdata, mname.end);
    const numbers = [0, 1, 2, 3, 4].map((i) => rdata.readUInt32BE(rname.end + 4 * i));
    return [mname.name, rname.name, ...numbers].join(' ');
  }
  if (type === TYPE.A || type === TYPE.AAAA) {
    const header = Buffer.alloc(12);
    header.writeUInt16BE(1, 6);
    const rr = encodeRr({ name: '', type, klass: CLASS.IN, ttl: 0, rdata });
    const answer = dnsPacket.decode(Buffer.concat([header, rr])).answers?.[0];
    if (answer && 'data' in answer && typeof answer.data === 'string') return answer.data;
  }
  return `\\# ${rdata.length} ${rdata.toString('hex')}`; // RFC 3597 generic form
}
