import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answers, newOptionsIds, renderOptions, takeResponse } from '../../src/health/sip-options.ts';

const ids = { branch: 'z9hG4bKabc123', tag: 'f00d', callId: 'c0ffee@trunkline' };
const response = (status: string, extra: string[] = [], body = '') =>
  [
    `SIP/2.0 ${status}`,
    `Via: SIP/2.0/TLS 127.0.0.1:40000;branch=${ids.branch};rport=40000;received=127.0.0.1`,
    `From: <sip:health@c1.sbc.example.com>;tag=${ids.tag}`,
    'To: <sip:c1.sbc.example.com>;tag=sbc1',
    `Call-ID: ${ids.callId}`,
    'CSeq: 1 OPTIONS',
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');

describe('the SIP OPTIONS client', () => {
  it('renders the headers RFC 3261 requires of a request', () => {
    const text = renderOptions({
      fqdn: 'c1.sbc.example.com',
      port: 5061,
      local: { address: '::1', port: 40000 },
      ...ids,
    });
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('OPTIONS sip:c1.sbc.example.com:5061;transport=tls SIP/2.0');
    expect(lines).toContain('Via: SIP/2.0/TLS [::1]:40000;branch=z9hG4bKabc123;rport');
    expect(lines).toContain('Max-Forwards: 70');
    expect(lines).toContain('From: <sip:health@c1.sbc.example.com>;tag=f00d');
    expect(lines).toContain('To: <sip:c1.sbc.example.com>');
    expect(lines).toContain('Call-ID: c0ffee@trunkline');
    expect(lines).toContain('CSeq: 1 OPTIONS');
    expect(text.endsWith('Content-Length: 0\r\n\r\n')).toBe(true);
    expect(newOptionsIds().branch).toMatch(/^z9hG4bK[0-9a-f]{16}$/);
  });

  it('reads a response with folded and compact headers and a body, and matches it to the request', () => {
    const text = response('200 OK', ['Allow: INVITE,', ' OPTIONS'], 'hi');
    const taken = takeResponse(`\r\n${text}SIP/2.0 100 Trying`)!;
    expect(taken.response.status).toBe(200);
    expect(taken.response.reason).toBe('OK');
    expect(taken.response.headers.allow).toEqual(['INVITE, OPTIONS']);
    expect(taken.rest).toBe('SIP/2.0 100 Trying');
    expect(answers(taken.response, ids)).toBe(true);
    expect(answers(taken.response, { ...ids, branch: 'z9hG4bKother' })).toBe(false);
    expect(answers(taken.response, { ...ids, callId: 'other@x' })).toBe(false);
    const compact = takeResponse(
      response('200 OK').replace('Call-ID:', 'i:').replace('Via:', 'v:').replace('Content-Length:', 'l:'),
    )!;
    expect(answers(compact.response, ids)).toBe(true);
  });

  it('frames the same messages however the stream is cut', () => {
    const stream = `${response('100 Trying')}${response('200 OK', [], 'body')}`;
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 6 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks = [0, ...points].map((p, i) => stream.slice(p, [...points, stream.length][i]));
        let buffer = '';
        const statuses: number[] = [];
        for (const chunk of chunks) {
          buffer += chunk;
          for (let t = takeResponse(buffer); t; t = takeResponse(buffer)) {
            buffer = t.rest;
            statuses.push(t.response.status);
          }
        }
        expect(statuses).toEqual([100, 200]);
      }),
    );
  });

  it('refuses bytes that are not a SIP response', () => {
    expect(() => takeResponse('HTTP/1.1 200 OK\r\n\r\n')).toThrow(/not a SIP response/);
    expect(() => takeResponse('SIP/2.0 200 OK\r\nbroken line\r\n\r\n')).toThrow(/malformed header/);
  });
});
