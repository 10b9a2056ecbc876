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
 * Opens a TLS connection to the SBC (SNI = the trunk FQDN). The certificate is not judged here (the health check
 * judges it with RFC 6125 rules and its dates), so the handshake accepts any certificate; nothing secret is sent.
 */
export function connectTls(target: SipTarget, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.address,
      port: target.port,
      servername: target.servername,
      rejectUnauthorized: false,
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

/** The SBC's certificate as presented in the handshake. */
export async function fetchCertificate(target: SipTarget, timeoutMs: number): Promise<CertificateFacts> {
  const socket = await connectTls(target, timeoutMs);
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
    };
  } finally {
    socket.destroy();
  }
}
