import dgram from 'node:dgram';
import net from 'node:net';
import { u16 } from '@trunkline/dns-wire';
import { DnsError } from './dns-provider.ts';

/**
 * How the RFC 2136 adapter reaches the zone's primary: one request over UDP (retransmitted) or TCP (length
 * prefix), answered by the message with the same ID. Knows bytes only; the wire format and TSIG are in
 * `@trunkline/dns-wire`, their meaning in `rfc2136.ts`.
 */

export type Target = { host: string; port: number; family: 4 | 6 };
export type Exchanged = { buf: Buffer; transport: 'UDP' | 'TCP'; attempts: number };
export type Failure = { kind: 'timeout' | 'unreachable' | 'malformed'; detail: string; cause?: unknown };

export class TransportError extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.detail, { cause: failure.cause });
    this.failure = failure;
  }
}

const networkFailure = (err: unknown): TransportError => {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new TransportError({
    kind: code === 'ETIMEDOUT' ? 'timeout' : 'unreachable',
    detail: `${code}: ${(err as Error).message}`,
    cause: err,
  });
};

/**
 * One request over UDP on a connected socket (only the server's address is heard), retransmitting the same
 * bytes after each `timeoutMs` up to `retries` times; answers with another ID are ignored (RFC 5452).
 */
export function udpExchange(
  target: Target,
  request: Buffer,
  timeoutMs: number,
  retries: number,
): Promise<Exchanged> {
  const id = request.readUInt16BE(0);
  const socket = dgram.createSocket(target.family === 6 ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      outcome();
    };
    const attempt = () => {
      attempts++;
      socket.send(request, (err) => {
        if (err) finish(() => reject(networkFailure(err)));
      });
      timer = setTimeout(() => {
        if (attempts <= retries) return attempt();
        finish(() =>
          reject(
            new TransportError({
              kind: 'timeout',
              detail: `no answer within ${timeoutMs} ms to ${attempts} attempts over UDP`,
            }),
          ),
        );
      }, timeoutMs);
    };
    socket.on('error', (err) => finish(() => reject(networkFailure(err))));
    socket.on('message', (buf) => {
      if (buf.length < 12 || buf.readUInt16BE(0) !== id) return;
      finish(() => resolve({ buf, transport: 'UDP', attempts }));
    });
    socket.connect(target.port, target.host, attempt);
  });
}

/** One request over TCP, framed with the 2-byte length prefix (RFC 1035 §4.2.2 / RFC 7766). */
export function tcpExchange(target: Target, request: Buffer, timeoutMs: number): Promise<Exchanged> {
  const id = request.readUInt16BE(0);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new TransportError({ kind: 'timeout', detail: `no answer within ${timeoutMs} ms over TCP` }),
          ),
        ),
      timeoutMs,
    );
    socket.on('connect', () => socket.write(Buffer.concat([u16(request.length), request])));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const buf = received.subarray(2, 2 + received.readUInt16BE(0));
        received = received.subarray(2 + buf.length);
        if (buf.length >= 12 && buf.readUInt16BE(0) === id)
          return finish(() => resolve({ buf, transport: 'TCP', attempts: 1 }));
      }
    });
    socket.on('error', (err) => finish(() => reject(networkFailure(err))));
    socket.on('close', () =>
      finish(() =>
        reject(
          new TransportError({
            kind: 'malformed',
            detail: 'the server closed the TCP connection unanswered',
          }),
        ),
      ),
    );
  });
}

export function parseServer(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  const hostPort = /^([^:]+)(?::(\d+))?$/.exec(server);
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : hostPort
      ? [hostPort[1]!, hostPort[2]]
      : net.isIPv6(server)
        ? [server, undefined]
        : [undefined, undefined];
  const portNumber = port === undefined ? 53 : Number(port);
  if (!host || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535)
    throw new DnsError('invalid', `The DNS server '${server}' is not a host or host:port.`);
  return { host, port: portNumber };
}
