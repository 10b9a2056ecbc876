import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendRr,
  CLASS,
  encodeMessage,
  OPCODE,
  opcodeFlags,
  parseMessage,
  readTsig,
  responseTsig,
  signRequest,
  TSIG_ERROR,
  TSIG_FUDGE,
  tsigErrorName,
  type TsigKey,
  TYPE,
  verifyRequest,
  verifyResponse,
} from './index.ts';

const key: TsigKey = {
  name: 'trunkline-key',
  algorithm: 'hmac-sha256',
  secret: randomBytes(32).toString('base64'),
};
const other: TsigKey = { ...key, secret: randomBytes(32).toString('base64') };
const keys = new Map([[key.name, key]]);
const NOW = 1_796_650_000;

const update = (id = 0x1234) =>
  encodeMessage({
    id,
    flags: opcodeFlags(OPCODE.UPDATE),
    questions: [{ name: 'sbc1.example.net', type: TYPE.SOA, klass: CLASS.IN }],
  });

/** The answer a server gives to a request it verified: the request's ID, QR set, signed over the request MAC. */
function answer(requestBytes: Buffer, now = NOW) {
  const request = parseMessage(requestBytes);
  const tsig = readTsig(requestBytes, request)!;
  const verdict = verifyRequest(requestBytes, tsig, keys, now);
  const unsigned = encodeMessage({
    id: request.id,
    flags: 0x8000 | request.flags,
    questions: request.questions,
  });
  const error = verdict.ok ? 0 : verdict.error;
  const signing = verdict.ok
    ? { tsig, key: verdict.key, requestMac: verdict.requestMac }
    : { tsig, ...verdict };
  return { verdict, bytes: appendRr(unsigned, responseTsig(unsigned, signing, error, now)) };
}

describe('TSIG HMAC-SHA256 (RFC 8945)', () => {
  it('signs a request that the server verifies, and a response that the client verifies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (id) => {
        const request = signRequest(update(id), key, NOW);
        const { verdict, bytes } = answer(request.bytes);
        expect(verdict.ok).toBe(true);
        const response = parseMessage(bytes);
        const tsig = readTsig(bytes, response)!;
        expect(tsig).toMatchObject({ error: 0, originalId: id, timeSigned: NOW, fudge: TSIG_FUDGE });
        expect(verifyResponse(bytes, tsig, request.mac, key, NOW)).toBeUndefined();
      }),
    );
  });

  it('computes the MAC over the message and the TSIG variables, as RFC 8945 §4.3.3 lays them out', () => {
    const unsigned = update();
    const { bytes, mac } = signRequest(unsigned, key, NOW);
    const variables = Buffer.concat([
      Buffer.from([13, ...Buffer.from('trunkline-key'), 0]),
      Buffer.from([0x00, 0xff, 0, 0, 0, 0]), // class ANY, TTL 0
      Buffer.from([11, ...Buffer.from('hmac-sha256'), 0]),
      Buffer.from([0, 0, ...Buffer.from(NOW.toString(16).padStart(8, '0'), 'hex')]), // 48-bit time
      Buffer.from([0x01, 0x2c, 0, 0, 0, 0]), // fudge 300, error 0, other length 0
    ]);
    const expected = createHmac('sha256', Buffer.from(key.secret, 'base64'))
      .update(unsigned)
      .update(variables)
      .digest();
    expect(mac).toEqual(expected);
    expect(parseMessage(bytes).additionals).toHaveLength(1);
    expect(bytes.readUInt16BE(10)).toBe(1);
  });

  it('rejects a request with an unknown key (BADKEY), a wrong secret (BADSIG) or an old time (BADTIME)', () => {
    const unknown = signRequest(update(), { ...key, name: 'nobody' }, NOW).bytes;
    expect(verifyRequest(unknown, readTsig(unknown, parseMessage(unknown))!, keys, NOW)).toEqual({
      ok: false,
      error: TSIG_ERROR.BADKEY,
    });
    const forged = signRequest(update(), other, NOW).bytes;
    expect(verifyRequest(forged, readTsig(forged, parseMessage(forged))!, keys, NOW)).toEqual({
      ok: false,
      error: TSIG_ERROR.BADSIG,
    });
    const old = signRequest(update(), key, NOW - TSIG_FUDGE - 1).bytes;
    expect(verifyRequest(old, readTsig(old, parseMessage(old))!, keys, NOW)).toMatchObject({
      ok: false,
      error: TSIG_ERROR.BADTIME,
    });
    expect(tsigErrorName(TSIG_ERROR.BADTIME)).toBe('BADTIME');
  });

  it('answers BADTIME signed, with the request time and the server time in Other Data', () => {
    const request = signRequest(update(), key, NOW - 1000);
    const { bytes } = answer(request.bytes);
    const tsig = readTsig(bytes, parseMessage(bytes))!;
    expect(tsig.error).toBe(TSIG_ERROR.BADTIME);
    expect(tsig.timeSigned).toBe(NOW - 1000);
    expect(tsig.other.readUIntBE(0, 6)).toBe(NOW);
    expect(verifyResponse(bytes, tsig, request.mac, key, NOW)).toBeUndefined();
  });

  it('does not trust a response that is tampered with, signed by another key or too old', () => {
    const request = signRequest(update(), key, NOW);
    const { bytes } = answer(request.bytes);
    const tsig = () => readTsig(bytes, parseMessage(bytes))!;
    const tampered = Buffer.from(bytes);
    tampered.writeUInt16BE(tampered.readUInt16BE(2) | 0x0003, 2); // rcode NXDOMAIN
    expect(verifyResponse(tampered, readTsig(tampered, parseMessage(tampered))!, request.mac, key, NOW)).toBe(
      'its MAC does not verify',
    );
    expect(verifyResponse(bytes, tsig(), request.mac, other, NOW)).toBe('its MAC does not verify');
    expect(verifyResponse(bytes, tsig(), request.mac, { ...key, name: 'another' }, NOW)).toBe(
      "it is signed with key 'trunkline-key'",
    );
    expect(verifyResponse(bytes, tsig(), Buffer.alloc(32), key, NOW)).toBe('its MAC does not verify');
    expect(verifyResponse(bytes, tsig(), request.mac, key, NOW + TSIG_FUDGE + 1)).toMatch(/beyond the fudge/);
  });

  it('answers BADSIG unsigned (empty MAC), as the RFC requires', () => {
    const forged = signRequest(update(), other, NOW).bytes;
    const { bytes } = answer(forged);
    const tsig = readTsig(bytes, parseMessage(bytes))!;
    expect(tsig.error).toBe(TSIG_ERROR.BADSIG);
    expect(tsig.mac.length).toBe(0);
  });

  it('refuses a TSIG that is not the last record', () => {
    const signed = signRequest(update(), key, NOW).bytes;
    const extra = appendRr(signed, {
      name: 'x',
      type: TYPE.A,
      klass: CLASS.IN,
      ttl: 0,
      rdata: Buffer.from([1, 2, 3, 4]),
    });
    expect(() => readTsig(extra, parseMessage(extra))).toThrow(/not the last record/);
  });
});
