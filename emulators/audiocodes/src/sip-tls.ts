import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';

/**
 * The Mediant's SIP-over-TLS listener toward Microsoft (the Teams SIP interface, 5061), as far as a peer that only
 * probes it sees it: it presents the SBC's certificate and answers SIP OPTIONS with 200 OK (RFC 3261 §11.2) with
 * the carrier FQDN in Contact, as Microsoft's SIP proxies expect (`microsoft-365.md` §5.10). It does not carry calls:
 * other methods it knows are answered 405 (Allow: OPTIONS), methods it does not know 501 (RFC 3261 §8.2.1).
 *
 * Strict like the REST side: messages are framed by Content-Length (mandatory on stream transports, §18.3); a
 * request without To, From, Call-ID, CSeq, Max-Forwards or Via, or whose CSeq method differs from the request's, is
 * answered 400 (§8.2.6); another SIP version 505, a non-SIP Request-URI 416. ACK is never answered (§17.2.1).
 * Responses echo every Via (the top one with `received`/`rport` filled in, RFC 3261 §18.2.1 and RFC 3581), From,
 * To (a tag added), Call-ID and CSeq (§8.2.6.2). A double CRLF keep-alive is answered with one CRLF (RFC 5626 §3.5.1).
 * Bytes that are not a SIP message close the connection (a stream cannot be re-framed after them).
 */

export type SipTlsOptions = {
  /** The certificate chain (PEM) and its key the listener presents. */
  cert: string;
  key: string;
  /** The carrier trunk FQDN, the Contact host of the answers (what Microsoft expects back). */
  contactFqdn: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The Server header, e.g. `Mediant VE SBC/v.7.40A.500.775`. */
  server?: string;
  /** Called with every request received and its answer. */
  onRequest?: (record: SipRequestRecord) => void;
};

/** One request the listener received and what it answered (null: no answer, e.g. ACK). */
export type SipRequestRecord = {
  method: string;
  requestUri: string;
  /** The SNI name the client asked for in the TLS handshake, '' without SNI. */
  serverName: string;
  status: number | null;
};

export type SipTlsListener = {
  host: string;
  port: number;
  stop(): Promise<void>;
};

/** Methods of RFC 3261 and its extensions the device knows (answered 405 here); others are 501. */
const KNOWN = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
]);
const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  405: 'Method Not Allowed',
  416: 'Unsupported URI Scheme',
  501: 'Not Implemented',
  505: 'Version Not Supported',
};
/** Compact header forms (RFC 3261 §7.3.3). */
const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  l: 'content-length',
  m: 'contact',
  c: 'content-type',
  k: 'supported',
};
const MANDATORY = ['via', 'from', 'to', 'call-id', 'cseq', 'max-forwards'] as const;
const MAX_HEADER_BYTES = 64 * 1024;

type Header = { name: string; value: string };
type Request = { method: string; uri: string; version: string; headers: Header[] };

/** Why the stream cannot go on. */
class FramingError extends Error {}

/**
 * The first whole message of `buffer` (latin1, so one character is one byte): a request, a response (ignored by
 * the caller), a keep-alive, or null while incomplete.
 */
function take(
  buffer: string,
):
  | { kind: 'ping' | 'skip'; rest: string }
  | { kind: 'request'; request: Request; rest: string; badLength: boolean }
  | null {
  if (buffer.startsWith('\r\n\r\n')) return { kind: 'ping', rest: buffer.slice(4) };
  if (buffer === '\r\n') return null;
  if (buffer.startsWith('\r\n')) return { kind: 'skip', rest: buffer.slice(2) };
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) {
    if (buffer.length > MAX_HEADER_BYTES) throw new FramingError('header block over 64 KiB');
    return null;
  }
  const [startLine = '', ...lines] = buffer.slice(0, end).split('\r\n');
  const headers: Header[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length) {
      // Header folding (RFC 3261 §7.3.1).
      headers[headers.length - 1]!.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new FramingError(`malformed header line "${line.slice(0, 40)}"`);
    const raw = line.slice(0, colon).trim().toLowerCase();
    headers.push({ name: COMPACT[raw] ?? raw, value: line.slice(colon + 1).trim() });
  }
  const lengths = headers.filter((h) => h.name === 'content-length').map((h) => h.value);
  const length = lengths.length ? Number(lengths[0]) : 0;
  if (!/^\d+$/.test(lengths[0] ?? '0') || !Number.isSafeInteger(length))
    throw new FramingError('bad Content-Length');
  const bodyStart = end + 4;
  if (buffer.length - bodyStart < length) return null;
  const rest = buffer.slice(bodyStart + length);
  if (/^SIP\/\d+\.\d+ \d{3}/.test(startLine)) return { kind: 'skip', rest };
  const m = /^([A-Za-z]+) (\S+) (SIP\/\d+\.\d+)$/.exec(startLine);
  if (!m) throw new FramingError(`not a SIP request line "${startLine.slice(0, 40)}"`);
  return {
    kind: 'request',
    request: { method: m[1]!, uri: m[2]!, version: m[3]!, headers },
    rest,
    badLength: lengths.length !== 1,
  };
}

const all = (r: Request, name: string) => r.headers.filter((h) => h.name === name).map((h) => h.value);
const first = (r: Request, name: string) => all(r, name)[0];

/** The top Via as the response carries it: `received` and `rport` filled in (RFC 3261 §18.2.1, RFC 3581 §4). */
function stampVia(via: string, peer: { address: string; port: number }): string {
  // A Via header may carry several comma-separated values; only the first is ours to stamp.
  const comma = via.indexOf(',');
  const [top, more] = comma < 0 ? [via, ''] : [via.slice(0, comma), via.slice(comma)];
  const sentBy = /^SIP\/2\.0\/[A-Za-z]+\s+(\[[^\]]+\]|[^;:\s]+)/i.exec(top)?.[1]?.replace(/^\[|\]$/g, '');
  let stamped = top.replace(/;\s*received=[^;]*/i, '');
  const rport = /;\s*rport(?=;|$)/i.test(stamped);
  if (rport) stamped = stamped.replace(/;\s*rport(?=;|$)/i, `;rport=${peer.port}`);
  if (rport || sentBy?.toLowerCase() !== peer.address.toLowerCase()) stamped += `;received=${peer.address}`;
  return stamped + more;
}

/** The answer to one request, or null for none (ACK). */
function answer(
  r: Request,
  badLength: boolean,
  peer: { address: string; port: number },
  options: { contactFqdn: string; port: number; server: string },
): { status: number; text: string } | null {
  if (r.method === 'ACK') return null;
  let status = 200;
  let reason: string | undefined;
  const missing = MANDATORY.filter((name) => !first(r, name));
  const cseq = /^(\d+)\s+([A-Za-z]+)$/.exec(first(r, 'cseq') ?? '');
  if (r.version !== 'SIP/2.0') status = 505;
  else if (missing.length) [status, reason] = [400, `Missing ${missing.join(', ')}`];
  else if (badLength) [status, reason] = [400, 'Content-Length required once on a stream transport'];
  else if (!cseq || cseq[2] !== r.method) [status, reason] = [400, 'CSeq does not match the request'];
  else if (!/^sips?:/i.test(r.uri)) status = 416;
  else if (r.method !== 'OPTIONS') status = KNOWN.has(r.method) ? 405 : 501;
  const vias = all(r, 'via');
  const to = first(r, 'to') ?? '';
  const lines = [
    `SIP/2.0 ${status} ${reason ?? REASONS[status]}`,
    ...vias.map((v, i) => `Via: ${i === 0 ? stampVia(v, peer) : v}`),
    ...(first(r, 'from') ? [`From: ${first(r, 'from')}`] : []),
    ...(to ? [`To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=${randomBytes(5).toString('hex')}`}`] : []),
    ...(first(r, 'call-id') ? [`Call-ID: ${first(r, 'call-id')}`] : []),
    ...(first(r, 'cseq') ? [`CSeq: ${first(r, 'cseq')}`] : []),
    ...(status === 200 ? [`Contact: <sip:${options.contactFqdn}:${options.port};transport=tls>`] : []),
    ...(status === 200 || status === 405 ? ['Allow: OPTIONS'] : []),
    ...(status === 200 ? ['Accept: application/sdp'] : []),
    `Server: ${options.server}`,
    'Content-Length: 0',
    '',
    '',
  ];
  return { status, text: lines.join('\r\n') };
}

export async function startSipTlsListener(options: SipTlsOptions): Promise<SipTlsListener> {
  const sockets = new Set<tls.TLSSocket>();
  const host = options.host ?? '127.0.0.1';
  let port = 0;
  const server = tls.createServer(
    { cert: options.cert, key: options.key, minVersion: 'TLSv1.2' },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      const serverName = (socket as tls.TLSSocket & { servername?: string | false }).servername || '';
      const peer = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
      let buffer = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        try {
          for (let taken = take(buffer); taken; taken = take(buffer)) {
            buffer = taken.rest;
            if (taken.kind === 'ping') socket.write('\r\n');
            if (taken.kind !== 'request') continue;
            const reply = answer(taken.request, taken.badLength, peer, {
              contactFqdn: options.contactFqdn,
              port,
              server: options.server ?? 'Mediant VE SBC',
            });
            options.onRequest?.({
              method: taken.request.method,
              requestUri: taken.request.uri,
              serverName,
              status: reply?.status ?? null,
            });
            if (reply) socket.write(reply.text, 'latin1');
          }
        } catch {
          socket.destroy();
        }
      });
    },
  );
  // A client that gives up during the handshake is not the listener's problem.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
