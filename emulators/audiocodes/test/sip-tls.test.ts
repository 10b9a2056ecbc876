import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureSbcPki, startAudioCodesEmulator, type AudioCodesEmulator } from '../src/index.ts';

/**
 * The emulator's SIP-over-TLS listener as a peer sees it over a real TLS connection: the certificate it presents,
 * and its answers to OPTIONS and to everything else (RFC 3261), read off the byte stream.
 */

const ZONE = 'sbc.trunkline.test';
const CUSTOMER = `woodgrove.${ZONE}`;
let dir: string;
let sbc: AudioCodesEmulator;
let ca: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'audiocodes-sip-'));
  const pki = ensureSbcPki(dir, [`*.${ZONE}`, ZONE]);
  ca = readFileSync(pki.caFile, 'utf8');
  sbc = await startAudioCodesEmulator({ sip: { cert: pki.cert, key: pki.key, contactFqdn: ZONE } });
});
afterAll(async () => {
  await sbc.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => sbc.control.reset());

type Message = { start: string; headers: string[] };
const header = (m: Message, name: string) =>
  m.headers
    .filter((h) => h.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((h) => h.slice(name.length + 1).trim());

/** A TLS connection to the listener (the chain and the name verified as a strict client would) and its messages. */
async function connect(servername = CUSTOMER) {
  const socket = tls.connect({ host: '127.0.0.1', port: sbc.sip!.port, servername, ca: [ca] });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  let raw = '';
  const waiters: (() => void)[] = [];
  let closed = false;
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => {
    raw += c;
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('close', () => {
    closed = true;
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (ready: () => boolean) => {
    const deadline = Date.now() + 3000;
    while (!ready()) {
      if (closed || Date.now() > deadline) throw new Error(`no answer; received ${JSON.stringify(raw)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return {
    socket,
    send: (text: string) => socket.write(text, 'latin1'),
    /** The next response (the listener's answers have no body). */
    async next(): Promise<Message> {
      await until(() => raw.includes('\r\n\r\n'));
      const end = raw.indexOf('\r\n\r\n');
      const [start = '', ...headers] = raw.slice(0, end).split('\r\n');
      raw = raw.slice(end + 4);
      return { start, headers };
    },
    async bytes(n: number): Promise<string> {
      await until(() => raw.length >= n);
      const out = raw.slice(0, n);
      raw = raw.slice(n);
      return out;
    },
    closed: async () => {
      await until(() => closed).catch(() => undefined);
      return closed;
    },
    end: () => socket.destroy(),
  };
}

const request = (
  method: string,
  o: {
    uri?: string;
    branch?: string;
    callId?: string;
    tag?: string;
    cseq?: string;
    version?: string;
    omit?: string[];
  } = {},
) =>
  [
    `${method} ${o.uri ?? `sip:${ZONE}:5061;transport=tls`} ${o.version ?? 'SIP/2.0'}`,
    `Via: SIP/2.0/TLS 10.9.8.7:5061;branch=${o.branch ?? 'z9hG4bKabc'};rport`,
    'Max-Forwards: 70',
    `From: <sip:ping@sip.pstnhub.microsoft.com>;tag=${o.tag ?? 'f1'}`,
    `To: <sip:${ZONE}>`,
    `Call-ID: ${o.callId ?? 'call-1@microsoft'}`,
    `CSeq: ${o.cseq ?? `7 ${method}`}`,
    'Content-Length: 0',
  ]
    .filter((line) => !(o.omit ?? []).some((name) => line.startsWith(`${name}:`)))
    .join('\r\n') + '\r\n\r\n';

describe('SIP over TLS', () => {
  it('presents the SBC certificate, which covers a customer FQDN and the carrier FQDN and chains to the CA', async () => {
    const c = await connect();
    const cert = new X509Certificate(c.socket.getPeerCertificate().raw);
    expect(c.socket.authorized).toBe(true);
    expect(cert.subjectAltName).toBe(`DNS:*.${ZONE}, DNS:${ZONE}`);
    expect(cert.checkHost(CUSTOMER)).toBe(`*.${ZONE}`);
    expect(cert.checkHost(`a.b.${ZONE}`)).toBeUndefined();
    expect(c.socket.getProtocol()).toMatch(/^TLSv1\.[23]$/);
    c.end();
  });

  it('answers OPTIONS with 200: Via (received, rport), From, To with a tag, Call-ID, CSeq echoed; Contact = the carrier FQDN', async () => {
    const c = await connect();
    c.send(request('OPTIONS'));
    const r = await c.next();
    expect(r.start).toBe('SIP/2.0 200 OK');
    const port = c.socket.localPort;
    expect(header(r, 'Via')).toEqual([
      `SIP/2.0/TLS 10.9.8.7:5061;branch=z9hG4bKabc;rport=${port};received=127.0.0.1`,
    ]);
    expect(header(r, 'From')).toEqual(['<sip:ping@sip.pstnhub.microsoft.com>;tag=f1']);
    expect(header(r, 'To')[0]).toMatch(new RegExp(`^<sip:${ZONE}>;tag=[0-9a-f]+$`));
    expect(header(r, 'Call-ID')).toEqual(['call-1@microsoft']);
    expect(header(r, 'CSeq')).toEqual(['7 OPTIONS']);
    expect(header(r, 'Contact')).toEqual([`<sip:${ZONE}:${sbc.sip!.port};transport=tls>`]);
    expect(header(r, 'Allow')).toEqual(['OPTIONS']);
    expect(header(r, 'Content-Length')).toEqual(['0']);
    expect(sbc.control.sipRequests).toEqual([
      { method: 'OPTIONS', requestUri: `sip:${ZONE}:5061;transport=tls`, serverName: CUSTOMER, status: 200 },
    ]);
    c.end();
  });

  it('echoes any Call-ID, branch and tag it is sent (property)', async () => {
    const c = await connect();
    const token = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,40}$/);
    await fc.assert(
      fc.asyncProperty(
        token,
        token,
        token,
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        async (id, b, tag, n) => {
          c.send(request('OPTIONS', { callId: `${id}@h`, branch: `z9hG4bK${b}`, tag, cseq: `${n} OPTIONS` }));
          const r = await c.next();
          expect(r.start).toBe('SIP/2.0 200 OK');
          expect(header(r, 'Call-ID')).toEqual([`${id}@h`]);
          expect(header(r, 'Via')[0]).toContain(`;branch=z9hG4bK${b};`);
          expect(header(r, 'From')[0]).toMatch(new RegExp(`;tag=${tag.replace(/[.*+`'~!%-]/g, '\\$&')}$`));
          expect(header(r, 'CSeq')).toEqual([`${n} OPTIONS`]);
        },
      ),
      { numRuns: 50 },
    );
    c.end();
  });

  it('refuses calls (405 with Allow: OPTIONS), unknown methods (501), and never answers ACK', async () => {
    const c = await connect();
    c.send(request('INVITE'));
    const invite = await c.next();
    expect(invite.start).toBe('SIP/2.0 405 Method Not Allowed');
    expect(header(invite, 'Allow')).toEqual(['OPTIONS']);
    expect(header(invite, 'CSeq')).toEqual(['7 INVITE']);
    expect(header(invite, 'Contact')).toEqual([]);
    c.send(request('ACK'));
    c.send(request('FROBNICATE'));
    // The next answer is the 501: the ACK got none.
    const unknown = await c.next();
    expect(unknown.start).toBe('SIP/2.0 501 Not Implemented');
    expect(header(unknown, 'CSeq')).toEqual(['7 FROBNICATE']);
    expect(sbc.control.sipRequests.map((r) => [r.method, r.status])).toEqual([
      ['INVITE', 405],
      ['ACK', null],
      ['FROBNICATE', 501],
    ]);
    c.end();
  });

  it('answers malformed requests 400, another SIP version 505, a tel: URI 416', async () => {
    const c = await connect();
    c.send(request('OPTIONS', { omit: ['Call-ID'] }));
    expect((await c.next()).start).toBe('SIP/2.0 400 Missing call-id');
    c.send(request('OPTIONS', { omit: ['Max-Forwards', 'Via'] }));
    expect((await c.next()).start).toBe('SIP/2.0 400 Missing via, max-forwards');
    c.send(request('OPTIONS', { cseq: '7 INVITE' }));
    expect((await c.next()).start).toBe('SIP/2.0 400 CSeq does not match the request');
    c.send(request('OPTIONS', { omit: ['Content-Length'] }));
    expect((await c.next()).start).toBe('SIP/2.0 400 Content-Length required once on a stream transport');
    c.send(request('OPTIONS', { version: 'SIP/3.0' }));
    expect((await c.next()).start).toBe('SIP/2.0 505 Version Not Supported');
    c.send(request('OPTIONS', { uri: 'tel:+4930123' }));
    expect((await c.next()).start).toBe('SIP/2.0 416 Unsupported URI Scheme');
    c.end();
  });

  it('frames by Content-Length: pipelined and split requests, a body skipped, keep-alive CRLFs answered', async () => {
    const c = await connect();
    const withBody = request('OPTIONS', { callId: 'body' }).replace(
      'Content-Length: 0',
      'Content-Type: application/sdp\r\nContent-Length: 12',
    );
    c.send(request('OPTIONS', { callId: 'one' }) + withBody + 'v=0\r\no=- 1\r\n');
    const two = request('OPTIONS', { callId: 'split' });
    c.send(two.slice(0, 30));
    await new Promise((r) => setTimeout(r, 50));
    c.send(two.slice(30));
    expect(header(await c.next(), 'Call-ID')).toEqual(['one']);
    expect(header(await c.next(), 'Call-ID')).toEqual(['body']);
    expect(header(await c.next(), 'Call-ID')).toEqual(['split']);
    c.send('\r\n\r\n');
    expect(await c.bytes(2)).toBe('\r\n');
    c.end();
  });

  it('closes the connection on bytes that are not SIP', async () => {
    const c = await connect();
    c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.closed()).toBe(true);
  });

  it('has no SIP listener unless asked', async () => {
    const plain = await startAudioCodesEmulator();
    expect(plain.sip).toBeNull();
    await plain.stop();
  });
});

describe('ensureSbcPki', () => {
  it('makes the CA once and keeps the certificate while it covers the names; new names re-issue it', () => {
    const names = [`*.${ZONE}`, ZONE];
    const again = ensureSbcPki(dir, names);
    expect(readFileSync(again.certFile, 'utf8')).toBe(again.cert);
    const first = ensureSbcPki(dir, names);
    expect(first.cert).toBe(again.cert);
    const caBefore = readFileSync(first.caFile, 'utf8');
    const other = ensureSbcPki(dir, ['*.other.test', 'other.test']);
    expect(other.cert).not.toBe(first.cert);
    expect(readFileSync(other.caFile, 'utf8')).toBe(caBefore);
    const cert = new X509Certificate(other.cert);
    expect(cert.subjectAltName).toBe('DNS:*.other.test, DNS:other.test');
    expect(cert.verify(new X509Certificate(caBefore).publicKey)).toBe(true);
  });
});
