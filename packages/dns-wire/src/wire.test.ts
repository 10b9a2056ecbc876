import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLASS,
  decodeName,
  encodeMessage,
  encodeName,
  fromRdata,
  OPCODE,
  opcodeFlags,
  parseMessage,
  RCODE,
  rcodeName,
  toRdata,
  TYPE,
  txtValue,
} from './index.ts';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.'));

describe('DNS wire format', () => {
  it('encodes a name label by label and decodes it back, lower-cased', () => {
    expect(encodeName('sbc1.Example.net')).toEqual(
      Buffer.from([4, ...Buffer.from('sbc1'), 7, ...Buffer.from('Example'), 3, ...Buffer.from('net'), 0]),
    );
    expect(decodeName(encodeName('sbc1.Example.net'), 0)).toEqual({ name: 'sbc1.example.net', end: 18 });
    expect(encodeName('')).toEqual(Buffer.from([0]));
    fc.assert(
      fc.property(name, (n) => {
        expect(decodeName(encodeName(n), 0).name).toBe(n);
      }),
    );
  });

  it('follows backward compression pointers and refuses forward or looping ones', () => {
    const buf = Buffer.concat([
      encodeName('example.net'),
      Buffer.from([3, ...Buffer.from('www'), 0xc0, 0x00]),
    ]);
    expect(decodeName(buf, 13)).toEqual({ name: 'www.example.net', end: 19 });
    expect(() => decodeName(Buffer.from([0xc0, 0x02, 0]), 0)).toThrow(/forward compression pointer/);
    expect(() => decodeName(Buffer.from([0xc0, 0x00]), 0)).toThrow(/forward compression pointer/);
  });

  it('round-trips an UPDATE message: zone, prerequisites, updates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        name,
        fc.array(fc.ipV4(), { maxLength: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (id, owner, addresses, ttl) => {
          const updates = addresses.map((a) => ({
            name: owner,
            type: TYPE.A,
            klass: CLASS.IN,
            ttl,
            rdata: toRdata('A', a),
          }));
          const prerequisites = [
            { name: owner, type: TYPE.CNAME, klass: CLASS.NONE, ttl: 0, rdata: Buffer.alloc(0) },
          ];
          const bytes = encodeMessage({
            id,
            flags: opcodeFlags(OPCODE.UPDATE),
            questions: [{ name: 'zone.example', type: TYPE.SOA, klass: CLASS.IN }],
            answers: prerequisites,
            authorities: updates,
          });
          const m = parseMessage(bytes);
          expect(m).toMatchObject({ id, opcode: OPCODE.UPDATE, qr: false, rcode: RCODE.NOERROR });
          expect(m.questions).toEqual([{ name: 'zone.example', type: TYPE.SOA, klass: CLASS.IN }]);
          expect(
            m.answers.map(({ name, type, klass, ttl, rdata }) => ({ name, type, klass, ttl, rdata })),
          ).toEqual(prerequisites);
          expect(m.authorities.map((rr) => fromRdata(rr.type, rr.rdata))).toEqual(addresses);
        },
      ),
    );
  });

  it('refuses messages that do not fit their buffer', () => {
    const bytes = encodeMessage({
      id: 1,
      flags: opcodeFlags(OPCODE.QUERY),
      questions: [{ name: 'a.example', type: TYPE.A, klass: CLASS.IN }],
      answers: [
        { name: 'a.example', type: TYPE.A, klass: CLASS.IN, ttl: 1, rdata: toRdata('A', '192.0.2.1') },
      ],
    });
    expect(() => parseMessage(bytes.subarray(0, 11))).toThrow(/shorter than a header/);
    expect(() => parseMessage(bytes.subarray(0, bytes.length - 1))).toThrow(/RDATA past the end/);
    expect(() => parseMessage(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/trailing bytes/);
  });

  it('reads the header flags', () => {
    const m = parseMessage(
      encodeMessage({ id: 7, flags: 0x8000 | 0x0400 | 0x0200 | RCODE.NXDOMAIN, questions: [] }),
    );
    expect(m).toMatchObject({ qr: true, aa: true, tc: true, rcode: RCODE.NXDOMAIN });
    expect(rcodeName(m.rcode)).toBe('NXDOMAIN');
    expect(rcodeName(23)).toBe('RCODE23');
  });
});

describe('RDATA', () => {
  it('round-trips addresses, IPv6 in RFC 5952 form', () => {
    fc.assert(
      fc.property(fc.ipV4(), (a) => {
        expect(fromRdata(TYPE.A, toRdata('A', a))).toBe(a);
      }),
    );
    expect(fromRdata(TYPE.AAAA, toRdata('AAAA', '::0:0:0:0:0:0:1'))).toBe('::1');
    expect(fromRdata(TYPE.AAAA, toRdata('AAAA', '2001:DB8:0:0:0:0:0:1'))).toBe('2001:db8::1');
    expect(fromRdata(TYPE.AAAA, toRdata('AAAA', '::ffff:192.0.2.1'))).toBe('::ffff:c000:201');
    expect(() => toRdata('A', '300.1.1.1')).toThrow(/bad A value/);
  });

  it('cuts TXT text into 255-byte strings and joins them back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 700 }), (text) => {
        const rdata = toRdata('TXT', text);
        expect(txtValue(rdata)).toBe(text);
        expect(fromRdata(TYPE.TXT, rdata)).toBe(text);
      }),
    );
    expect(toRdata('TXT', '')).toEqual(Buffer.from([0]));
    expect(toRdata('TXT', 'x'.repeat(256)).length).toBe(256 + 2);
    expect(() => txtValue(Buffer.from([5, 1]))).toThrow(/past the end/);
  });

  it('shows RDATA that does not decode as its type in the generic form', () => {
    expect(fromRdata(TYPE.A, Buffer.from([1, 2, 3]))).toBe('\\# 3 010203');
    expect(fromRdata(TYPE.TXT, Buffer.from([5, 1]))).toBe('\\# 2 0501');
  });

  it('round-trips names and SOA', () => {
    expect(fromRdata(TYPE.CNAME, toRdata('CNAME', 'Target.Example.net.'))).toBe('target.example.net');
    const soa = 'ns1.example.net hostmaster.example.net 2026120701 3600 600 604800 300';
    expect(fromRdata(TYPE.SOA, toRdata('SOA', soa))).toBe(soa);
    expect(() => toRdata('SOA', 'ns1.example.net only')).toThrow(/bad SOA value/);
  });
});
