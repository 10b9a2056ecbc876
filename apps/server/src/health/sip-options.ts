import { randomBytes } from 'node:crypto';
import { connectTls, ProbeError, type SipTarget } from './tls-probe.ts';

/**
 * A small SIP client for one thing: an OPTIONS request over TLS (RFC 3261 §11) to the SBC, as Microsoft's SIP
 * proxies send one a minute (`microsoft-365.md` §5.10), and its final answer.
 *
 * The request carries what RFC 3261 §8.1.1 requires: Request-URI, To, From (with a tag), Call-ID, CSeq,
 * Max-Forwards 70 and a Via with a `z9hG4bK` branch and `rport` (RFC 3581), plus Contact and Content-Length 0.
 * The answer is matched to the request by Via branch, Call-ID and CSeq (§17.1.3); provisional 1xx answers are
 * skipped; messages are framed by Content-Length (required on stream transports, §18.3).
 */

export type OptionsRequest = {
  /** The SBC's FQDN (the trunk FQDN): Request-URI and To host. */
  fqdn: string;
  port: number;
  /** Our side of the connection, for Via and Contact. */
  local: { address: string; port: number };
  branch: string;
  tag: string;
  callId: string;
};

export const newOptionsIds = () => ({
  branch: `z9hG4bK${randomBytes(8).toString('hex')}`,
  tag: randomBytes(6).toString('hex'),
  callId: `${randomBytes(12).toString('hex')}@trunkline`,
});

const hostOf = (address: string) => (address.includes(':') ? `[${address}]` : address);

/** The OPTIONS request's bytes. */
export function renderOptions(r: OptionsRequest): string {
  const local = `${hostOf(r.local.address)}:${r.local.port}`;
  return [
    `OPTIONS sip:${r.fqdn}:${r.port};transport=tls SIP/2.0`,
    `Via: SIP/2.0/TLS ${local};branch=${r.branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:health@${r.fqdn}>;tag=${r.tag}`,
    `To: <sip:${r.fqdn}>`,
    `Call-ID: ${r.callId}`,
    'CSeq: 1 OPTIONS',
    `Contact: <sip:health@${local};transport=tls>`,
    'Accept: application/sdp',
    'User-Agent: Trunkline health check',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export type SipResponse = { status: number; reason: string; headers: Record<string, string[]> };

/** Compact header forms (RFC 3261 §7.3.3) read as their long names. */
const compact: Record<string, string> = { v: 'via', i: 'call-id', l: 'content-length', f: 'from', t: 'to' };

/**
 * Reads whole SIP messages off a stream buffer: the first complete message and what is left, or null while the
 * buffer holds less than one message. Throws on bytes that are not a SIP response.
 */
export function takeResponse(buffer: string): { response: SipResponse; rest: string } | null {
  // Keep-alive CRLFs between messages (RFC 5626 §3.5.1) are skipped.
  const start = buffer.search(/[^\r\n]/);
  if (start < 0) return null;
  const text = buffer.slice(start);
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) {
    if (text.length > 64 * 1024) throw new ProbeError('The SBC sent a SIP header block over 64 KiB.');
    return null;
  }
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(statusLine);
  if (!m)
    throw new ProbeError(
      `The SBC answered with something that is not a SIP response: "${statusLine.slice(0, 80)}".`,
    );
  const headers: Record<string, string[]> = {};
  let last: string | null = null;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && last) {
      // Header folding (RFC 3261 §7.3.1).
      const values = headers[last]!;
      values[values.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new ProbeError(`The SBC's SIP answer has a malformed header line: "${line.slice(0, 80)}".`);
    const raw = line.slice(0, colon).trim().toLowerCase();
    const key = compact[raw] ?? raw;
    (headers[key] ??= []).push(line.slice(colon + 1).trim());
    last = key;
  }
  const length = Number(headers['content-length']?.[0] ?? '0');
  if (!Number.isInteger(length) || length < 0) throw new ProbeError('The SBC sent a bad Content-Length.');
  const bodyStart = end + 4;
  if (Buffer.byteLength(text.slice(bodyStart)) < length) return null;
  const rest = Buffer.from(text.slice(bodyStart)).subarray(length).toString();
  return { response: { status: Number(m[1]), reason: m[2] ?? '', headers }, rest };
}

/** Whether a response answers our request (RFC 3261 §17.1.3: the top Via's branch, and CSeq method). */
export function answers(r: SipResponse, req: Pick<OptionsRequest, 'branch' | 'callId'>): boolean {
  const via = r.headers.via?.[0] ?? '';
  const branch = /;\s*branch=([^;,\s]+)/i.exec(via)?.[1];
  const cseq = (r.headers.cseq?.[0] ?? '').split(/\s+/);
  return (
    branch === req.branch &&
    r.headers['call-id']?.[0] === req.callId &&
    cseq[0] === '1' &&
    cseq[1] === 'OPTIONS'
  );
}

/** Sends one OPTIONS over TLS and waits for its final answer (1xx skipped). */
export async function sendOptions(target: SipTarget, timeoutMs: number): Promise<SipResponse> {
  const socket = await connectTls(target, timeoutMs);
  const ids = newOptionsIds();
  return new Promise<SipResponse>((resolve, reject) => {
    let buffer = '';
    const done = (fn: () => void) => {
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () =>
        done(() =>
          reject(new ProbeError(`The SBC did not answer the OPTIONS within ${timeoutMs / 1000} s.`)),
        ),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      try {
        for (let taken = takeResponse(buffer); taken; taken = takeResponse(buffer)) {
          buffer = taken.rest;
          const { response } = taken;
          if (!answers(response, ids)) continue;
          if (response.status >= 200) return done(() => resolve(response));
        }
      } catch (e) {
        done(() => reject(e));
      }
    });
    socket.once('error', (err) =>
      done(() => reject(new ProbeError(`The SIP connection failed: ${err.message}`))),
    );
    socket.once('end', () =>
      done(() => reject(new ProbeError('The SBC closed the connection without a final answer to OPTIONS.'))),
    );
    socket.write(
      renderOptions({
        fqdn: target.servername,
        port: target.port,
        local: { address: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 5061 },
        ...ids,
      }),
    );
  });
}
