import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  CLASS,
  decodeName,
  encodeName,
  encodeRr,
  type Message,
  type ParsedRr,
  type Rr,
  TYPE,
  u16,
  u48,
} from './wire.ts';

/**
 * TSIG (RFC 8945), HMAC-SHA256 only: a client signs requests and verifies responses over its request MAC; a
 * server verifies requests and signs responses.
 */

export const TSIG_ALGORITHM = 'hmac-sha256';
/** HMAC-SHA256's full MAC length; shorter (truncated) MACs are not accepted. */
export const TSIG_MAC_LENGTH = 32;
/** Seconds of clock difference accepted in either direction (RFC 8945 recommends 300). */
export const TSIG_FUDGE = 300;

export const TSIG_ERROR = {
  NOERROR: 0,
  BADSIG: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADMODE: 19,
  BADNAME: 20,
  BADALG: 21,
  BADTRUNC: 22,
} as const;
export const tsigErrorName = (error: number) =>
  Object.entries(TSIG_ERROR).find(([, value]) => value === error)?.[0] ?? `TSIG error ${error}`;

/** A TSIG key as BIND's `key` statement names it: `secret` in base64. `name` without the trailing dot. */
export type TsigKey = { name: string; algorithm: 'hmac-sha256'; secret: string };

export type TsigRecord = {
  rr: ParsedRr;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
};

/**
 * The TSIG RR of a message, if any: the last additional record, class ANY, TTL 0. Throws if it is anywhere else
 * or does not parse (a format error).
 */
export function readTsig(buf: Buffer, message: Message): TsigRecord | undefined {
  const index = message.additionals.findIndex((rr) => rr.type === TYPE.TSIG);
  if (index < 0) return undefined;
  if (index !== message.additionals.length - 1) throw new Error('TSIG is not the last record');
  const rr = message.additionals[index]!;
  if (rr.klass !== CLASS.ANY || rr.ttl !== 0) throw new Error('TSIG must have class ANY and TTL 0');
  const { name: algorithm, end } = decodeName(buf, rr.rdataStart);
  const macSize = buf.readUInt16BE(end + 8);
  const afterMac = end + 10 + macSize;
  const otherLength = buf.readUInt16BE(afterMac + 4);
  if (afterMac + 6 + otherLength !== rr.rdataStart + rr.rdata.length) throw new Error('bad TSIG RDATA');
  return {
    rr,
    algorithm,
    timeSigned: buf.readUIntBE(end, 6),
    fudge: buf.readUInt16BE(end + 6),
    mac: buf.subarray(end + 10, afterMac),
    originalId: buf.readUInt16BE(afterMac),
    error: buf.readUInt16BE(afterMac + 2),
    other: buf.subarray(afterMac + 6, afterMac + 6 + otherLength),
  };
}

type Variables = {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  error: number;
  other: Buffer;
};

/** The TSIG variables the MAC covers after the message (RFC 8945 §4.3.3), names in canonical form. */
function variables(v: Variables): Buffer {
  return Buffer.concat([
    encodeName(v.keyName),
    u16(CLASS.ANY),
    Buffer.alloc(4), // TTL 0
    encodeName(v.algorithm),
    u48(v.timeSigned),
    u16(v.fudge),
    u16(v.error),
    u16(v.other.length),
    v.other,
  ]);
}

/** The message as it was before its TSIG was added: original ID, ARCOUNT less one, no TSIG RR. */
function withoutTsig(buf: Buffer, tsig: TsigRecord): Buffer {
  const unsigned = Buffer.from(buf.subarray(0, tsig.rr.start));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(buf.readUInt16BE(10) - 1, 10);
  return unsigned;
}

const hmac = (key: TsigKey) => createHmac('sha256', Buffer.from(key.secret, 'base64'));

function tsigRdata(v: Omit<Variables, 'keyName'> & { mac: Buffer; originalId: number }): Buffer {
  return Buffer.concat([
    encodeName(v.algorithm),
    u48(v.timeSigned),
    u16(v.fudge),
    u16(v.mac.length),
    v.mac,
    u16(v.originalId),
    u16(v.error),
    u16(v.other.length),
    v.other,
  ]);
}

/** Appends an RR (a TSIG) to an encoded message and counts it in ARCOUNT. */
export function appendRr(message: Buffer, rr: Rr): Buffer {
  const out = Buffer.concat([message, encodeRr(rr)]);
  out.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return out;
}

// --- Client ----------------------------------------------------------------------------------------------

/** Signs a request: a TSIG RR with the MAC over the message and the TSIG variables (RFC 8945 §4.3.3). */
export function signRequest(
  unsigned: Buffer,
  key: TsigKey,
  nowSeconds: number,
): { bytes: Buffer; mac: Buffer } {
  const v = {
    algorithm: TSIG_ALGORITHM,
    timeSigned: nowSeconds,
    fudge: TSIG_FUDGE,
    error: 0,
    other: Buffer.alloc(0),
  };
  const mac = hmac(key)
    .update(unsigned)
    .update(variables({ ...v, keyName: key.name }))
    .digest();
  const rdata = tsigRdata({ ...v, mac, originalId: unsigned.readUInt16BE(0) });
  return {
    bytes: appendRr(unsigned, { name: key.name, type: TYPE.TSIG, klass: CLASS.ANY, ttl: 0, rdata }),
    mac,
  };
}

/**
 * Checks a response's TSIG (RFC 8945 §5.3): same key and algorithm, a full-length MAC over the request's MAC,
 * the response without its TSIG and the TSIG variables, and a signing time within the fudge (unless the error
 * is BADTIME, whose time is the request's). Returns why it does not verify, or undefined.
 */
export function verifyResponse(
  buf: Buffer,
  tsig: TsigRecord,
  requestMac: Buffer,
  key: TsigKey,
  nowSeconds: number,
): string | undefined {
  if (tsig.rr.name !== key.name) return `it is signed with key '${tsig.rr.name}'`;
  if (tsig.algorithm !== TSIG_ALGORITHM) return `it is signed with algorithm ${tsig.algorithm}`;
  if (tsig.mac.length !== TSIG_MAC_LENGTH) return `its MAC has ${tsig.mac.length} bytes`;
  const expected = hmac(key)
    .update(u16(requestMac.length))
    .update(requestMac)
    .update(withoutTsig(buf, tsig))
    .update(variables({ ...tsig, keyName: key.name }))
    .digest();
  if (!timingSafeEqual(expected, tsig.mac)) return 'its MAC does not verify';
  if (tsig.error !== TSIG_ERROR.BADTIME && Math.abs(nowSeconds - tsig.timeSigned) > tsig.fudge)
    return `it was signed ${nowSeconds - tsig.timeSigned} s ago, beyond the fudge of ${tsig.fudge} s`;
  return undefined;
}

// --- Server ----------------------------------------------------------------------------------------------

export type Verdict =
  | { ok: true; key: TsigKey; requestMac: Buffer }
  | { ok: false; error: number; key?: TsigKey; requestMac?: Buffer };

/**
 * Server-side checks in RFC 8945 §5.2 order: known key and algorithm (else BADKEY), MAC (else BADSIG), time
 * within the fudge (else BADTIME, the only error whose answer is signed).
 */
export function verifyRequest(
  buf: Buffer,
  tsig: TsigRecord,
  keys: ReadonlyMap<string, TsigKey>,
  nowSeconds: number,
): Verdict {
  const key = keys.get(tsig.rr.name);
  if (!key || tsig.algorithm !== TSIG_ALGORITHM) return { ok: false, error: TSIG_ERROR.BADKEY };
  const expected = hmac(key)
    .update(withoutTsig(buf, tsig))
    .update(variables({ ...tsig, keyName: key.name }))
    .digest();
  if (tsig.mac.length !== expected.length || !timingSafeEqual(expected, tsig.mac))
    return { ok: false, error: TSIG_ERROR.BADSIG };
  if (Math.abs(nowSeconds - tsig.timeSigned) > tsig.fudge)
    return { ok: false, error: TSIG_ERROR.BADTIME, key, requestMac: tsig.mac };
  return { ok: true, key, requestMac: tsig.mac };
}

/**
 * The TSIG RR for a response. With a key: MAC over the request MAC, the response and the TSIG variables
 * (RFC 8945 §5.3). Without (BADKEY, BADSIG): an empty MAC, as the RFC requires for those errors.
 */
export function responseTsig(
  response: Buffer,
  request: { tsig: TsigRecord; requestMac?: Buffer; key?: TsigKey },
  error: number,
  nowSeconds: number,
): Rr {
  const { tsig, key, requestMac } = request;
  // BADTIME: the request's Time Signed, our time in Other Data (RFC 8945 §5.2.3).
  const timeSigned = error === TSIG_ERROR.BADTIME ? tsig.timeSigned : nowSeconds;
  const other = error === TSIG_ERROR.BADTIME ? u48(nowSeconds) : Buffer.alloc(0);
  const v = { algorithm: tsig.algorithm, timeSigned, fudge: TSIG_FUDGE, error, other };
  const mac =
    key && requestMac
      ? hmac(key)
          .update(u16(requestMac.length))
          .update(requestMac)
          .update(response)
          .update(variables({ ...v, keyName: tsig.rr.name }))
          .digest()
      : Buffer.alloc(0);
  const rdata = tsigRdata({ ...v, mac, originalId: response.readUInt16BE(0) });
  return { name: tsig.rr.name, type: TYPE.TSIG, klass: CLASS.ANY, ttl: 0, rdata };
}
