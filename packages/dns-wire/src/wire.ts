/**
 * DNS message framing (RFC 1035 §4, RFC 2136 §2): header, names, resource records, written and walked by hand,
 * because `dns-packet` cannot carry RFC 2136 messages (class NONE, RRs with empty RDATA, the UPDATE opcode,
 * TSIG) and ignores RDLENGTH when decoding A/AAAA.
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

/** Header flag bits (RFC 1035 §4.1.1). */
export const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080 } as const;

const nameOf = (table: Record<string, number>, value: number) =>
  Object.entries(table).find(([, v]) => v === value)?.[0];

export const rcodeName = (rcode: number) => nameOf(RCODE, rcode) ?? `RCODE${rcode}`;
export const typeName = (type: number) => nameOf(TYPE, type) ?? `TYPE${type}`;
export const opcodeName = (opcode: number) => nameOf(OPCODE, opcode) ?? `OPCODE${opcode}`;

export type Rr = { name: string; type: number; klass: number; ttl: number; rdata: Buffer };
/** A record as read from a message: where it starts and where its RDATA starts (TSIG covers bytes, not values). */
export type ParsedRr = Rr & { start: number; rdataStart: number };
export type Question = { name: string; type: number; klass: number };
export type Message = {
  id: number;
  flags: number;
  opcode: number;
  rcode: number;
  qr: boolean;
  aa: boolean;
  tc: boolean;
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

/**
 * A message from its header fields and sections. `flags` is the whole second header word (QR, opcode, AA, TC,
 * RD, RA, rcode); `opcodeFlags` builds it for a request. For UPDATE the four sections are Zone (in question
 * format), Prerequisite, Update and Additional (RFC 2136 §2).
 */
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

/** The flags word of a request with this opcode: QR=0, RD=0. */
export const opcodeFlags = (opcode: number) => opcode << 11;

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

/** Walks a message; throws on anything that does not fit its buffer, or bytes after the last record. */
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
    rcode: flags & 0xf,
    qr: (flags & FLAG.QR) !== 0,
    aa: (flags & FLAG.AA) !== 0,
    tc: (flags & FLAG.TC) !== 0,
    questions,
    answers,
    authorities,
    additionals,
  };
}
