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
 * TSIG (RFC 8945) for the emulator, HMAC-SHA256 only, as a server: verifies signed requests and signs
 * responses over the request MAC. Own code on purpose (the emulator never imports server code).
 */

export const TSIG_ERROR = { NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18 } as const;
export const tsigErrorName = (error: number) =>
  Object.entries(TSIG_ERROR).find(([, value]) => value === error)?.[0] ?? `TSIG error ${error}`;

const ALGORITHM = 'hmac-sha256';
const FUDGE = 300;

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

/** The TSIG RR of a request, if any. Throws if it is not the last additional record or does not parse. */
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

function variables(v: Variables): Buffer {
  return Buffer.concat([
    encodeName(v.keyName),
    u16(CLASS.ANY),
    Buffer.alloc(4),
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

export type Verdict =
  | { ok: true; key: TsigKey; requestMac: Buffer }
  | { ok: false; error: number; key?: TsigKey; requestMac?: Buffer };

/**
 * Server-side checks in RFC 8945 §5.2 order: known key and algorithm (else BADKEY), MAC (else BADSIG),
 * time within the fudge (else BADTIME, the only error whose answer is signed).
 */
export function verifyRequest(
  buf: Buffer,
  tsig: TsigRecord,
  keys: ReadonlyMap<string, TsigKey>,
  nowSeconds: number,
): Verdict {
  const key = keys.get(tsig.rr.name);
  if (!key || tsig.algorithm !== ALGORITHM) return { ok: false, error: TSIG_ERROR.BADKEY };
  const expected = createHmac('sha256', Buffer.from(key.secret, 'base64'))
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
  const v = { keyName: tsig.rr.name, algorithm: tsig.algorithm, timeSigned, fudge: FUDGE, error, other };
  const mac =
    key && requestMac
      ? createHmac('sha256', Buffer.from(key.secret, 'base64'))
          .update(u16(requestMac.length))
          .update(requestMac)
          .update(response)
          .update(variables(v))
          .digest()
      : Buffer.alloc(0);
  const rdata = Buffer.concat([
    encodeName(tsig.algorithm),
    u48(timeSigned),
    u16(FUDGE),
    u16(mac.length),
    mac,
    u16(response.readUInt16BE(0)),
    u16(error),
    u16(other.length),
    other,
  ]);
  return { name: tsig.rr.name, type: TYPE.TSIG, klass: CLASS.ANY, ttl: 0, rdata };
}

/** Appends a TSIG RR to an encoded message and counts it in ARCOUNT. */
export function appendRr(message: Buffer, rr: Rr): Buffer {
  const out = Buffer.concat([message, encodeRr(rr)]);
  out.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return out;
}
