import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { CLASS, decodeName, encodeRr, TYPE } from './wire.ts';

/**
 * RDATA to and from presentation form. `dns-packet` converts names, SOA and decoded addresses (RFC 5952 for
 * IPv6); addresses are encoded here because its encoder misreads some valid IPv6 forms.
 */

export type RecordType = 'A' | 'AAAA' | 'TXT' | 'CNAME' | 'NS' | 'SOA';
export const RECORD_TYPES: readonly RecordType[] = ['A', 'AAAA', 'TXT', 'CNAME', 'NS', 'SOA'];

/** TXT text as RDATA: its UTF-8 bytes cut into character strings of at most 255 bytes (RFC 1035 §3.3.14). */
export function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i === 0 || i < bytes.length; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

/** The text of TXT RDATA: its character strings joined; throws if one runs past the end. */
export function txtValue(rdata: Buffer): string {
  const parts: Buffer[] = [];
  for (let i = 0; i < rdata.length;) {
    const length = rdata.readUInt8(i);
    if (i + 1 + length > rdata.length) throw new Error('TXT character string past the end');
    parts.push(rdata.subarray(i + 1, i + 1 + length));
    i += 1 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** An address's RDATA (4 or 16 bytes). `::0:0:0:0:0:0:1` is `::1`, not `::` as dns-packet's encoder has it. */
export function addressRdata(value: string): Buffer {
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

/** An A or AAAA RDATA in presentation form (RFC 5952 for IPv6); throws unless it has 4 or 16 bytes. */
export function addressValue(type: 'A' | 'AAAA', rdata: Buffer): string {
  if (rdata.length !== (type === 'A' ? 4 : 16)) throw new Error(`${type} RDATA of ${rdata.length} bytes`);
  // dns-packet formats addresses; it needs a whole message around the RDATA.
  const header = Buffer.alloc(12);
  header.writeUInt16BE(1, 6);
  const rr = encodeRr({ name: '', type: TYPE[type], klass: CLASS.IN, ttl: 0, rdata });
  const answer = dnsPacket.decode(Buffer.concat([header, rr])).answers?.[0];
  if (!answer || !('data' in answer) || typeof answer.data !== 'string')
    throw new Error(`undecodable ${type} RDATA`);
  return answer.data;
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
  let data: string | dnsPacket.SoaData; // dns-packet encodes names and SOA
  if (type === 'SOA') {
    const [mname, rname, ...numbers] = value.trim().split(/\s+/);
    const [serial, refresh, retry, expire, minimum] = numbers.map(Number);
    if (!mname || !rname || numbers.length !== 5 || numbers.some((n) => !/^\d+$/.test(n)))
      throw new Error(`bad SOA value '${value}'`);
    data = { mname: stripDot(mname), rname: stripDot(rname), serial, refresh, retry, expire, minimum };
  } else {
    data = stripDot(value);
  }
  const answer = { type, name: '.', data } as dnsPacket.Answer;
  // The RR of the root name starts at 12; its RDATA at 12 + 1 + 10.
  return Buffer.from(dnsPacket.encode({ answers: [answer] }).subarray(23));
}

/**
 * RDATA → presentation form (see toRdata); anything it cannot read in RFC 3597's generic form. Names in RDATA
 * must be uncompressed (they are once `parseMessage` has read them).
 */
export function fromRdata(type: number, rdata: Buffer): string {
  try {
    if (type === TYPE.TXT) return txtValue(rdata);
    if (type === TYPE.CNAME || type === TYPE.NS) return decodeName(rdata, 0).name;
    if (type === TYPE.SOA) {
      const mname = decodeName(rdata, 0);
      const rname = decodeName(rdata, mname.end);
      const numbers = [0, 1, 2, 3, 4].map((i) => rdata.readUInt32BE(rname.end + 4 * i));
      return [mname.name, rname.name, ...numbers].join(' ');
    }
    if (type === TYPE.A) return addressValue('A', rdata);
    if (type === TYPE.AAAA) return addressValue('AAAA', rdata);
  } catch {
    // Undecodable as its type: shown in the generic form below, byte for byte.
  }
  return `\\# ${rdata.length} ${rdata.toString('hex')}`; // RFC 3597 generic form
}
