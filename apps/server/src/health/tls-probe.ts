import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { commonNamesOf, parseSubjectAltName, type CertificateFacts } from './certificate.ts';

/** Where to reach the SBC's SIP/TLS listener: an address, its port, and the name to send as SNI. */
export type SipTarget = { address: string; port: number; servername: string };

/** Why the SBC could not be reached over TLS, in plain words. */
export class ProbeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeError';
  }
}

/**
 * The trust store a handshake verifies the SBC's chain against: the system's roots and `extraCa`, built once per
 * list of extra CAs and kept. Building it parses every root certificate (about 9 ms of CPU here); one per check
 * made a twentieth of the server's CPU in the 500-tenant bench, where every finished run is checked at once.
 */
const trustStores = new Map<string, tls.SecureContext>();
export function trustStore(extraCa: string[] = []): tls.SecureContext {
  const key = extraCa.join('\n');
  let store = trustStores.get(key);
  if (!store) {
    store = tls.createSecureContext({ ca: [...tls.rootCertificates, ...extraCa] });
    trustStores.set(key, store);
  }
  return store;
}

/**
 * Opens a TLS connection to the SBC (SNI = the trunk FQDN). The certificate is not judged here (the health check
 * judges it with RFC 6125 rules, its dates and whether its chain verified), so the handshake accepts any
 * certificate; nothing secret is sent. `trust`: the roots its chain is verified against (`socket.authorized`,
 * see `trustStore`); the name is left to the RFC 6125 matcher.
 */
export function connectTls(
  target: SipTarget,
  timeoutMs: number,
  trust?: tls.SecureContext,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.address,
      port: target.port,
      servername: target.servername,
      rejectUnauthorized: false,
      ...(trust ? { secureContext: trust } : {}),
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new ProbeError(
          `No TLS handshake with ${target.address}:${target.port} within ${timeoutMs / 1000} s.`,
        ),
      );
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new ProbeError(
          `TLS to ${target.address}:${target.port} failed (${err.code ?? 'error'}: ${err.message}).`,
          { cause: err },
        ),
      );
    });
  });
}

/**
 * The SBC's certificate as presented in the handshake, and whether its chain verifies against the system's roots
 * and `extraCa` (PEM certificates, e.g. a private CA).
 */
export async function fetchCertificate(
  target: SipTarget,
  timeoutMs: number,
  extraCa: string[] = [],
): Promise<CertificateFacts> {
  const socket = await connectTls(target, timeoutMs, trustStore(extraCa));
  try {
    const peer = socket.getPeerCertificate();
    if (!peer.raw) throw new ProbeError(`${target.address}:${target.port} presented no certificate.`);
    const x509 = new X509Certificate(peer.raw);
    return {
      ...parseSubjectAltName(x509.subjectAltName),
      commonNames: commonNamesOf(x509.subject),
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      issuer: x509.issuer.split('\n').join(', '),
      trusted: socket.authorized,
      trustError: socket.authorized ? null : String(socket.authorizationError ?? 'not verified'),
    };
  } finally {
    socket.destroy();
  }
}
