import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createCa, EC_P256_KEY, opensslIn } from '@trunkline/emulator-audiocodes';

/**
 * Certificates made at test time with the openssl CLI (the CA by the AudioCodes emulator's `createCa`; leaves by
 * `openssl ca`, which takes any start and end date, so an expired certificate or one expiring in 10 days is a real
 * certificate, not a stub), and a small SIP/TLS responder that plays the SBC for the health check's certificate and SIP
 * OPTIONS checks.
 */

export type Pem = { key: string; cert: string };

const stamp = (d: Date) =>
  `${d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, '')}Z`;

/** A throwaway CA in a temporary directory; `issue` signs leaf certificates with chosen names and dates. */
export function createTestCa() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-ca-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = opensslIn(dir);
  const ca = createCa(dir, 'Trunkline Test CA');
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('serial'), '1000\n');
  writeFileSync(
    file('sign.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `dir = ${dir}`,
      `database = ${file('index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${file('serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'email_in_dn = no',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  let n = 0;
  return {
    caCert: readFileSync(ca.caFile, 'utf8'),
    /** The CA certificate's file (PEM), e.g. for HEALTH_TLS_CA_FILE. */
    caFile: ca.caFile,
    /** A leaf certificate for the SBC: `dnsNames` as subjectAltName (none: CN only), valid `from` → `to`. */
    issue({
      commonName,
      dnsNames,
      from,
      to,
    }: {
      commonName: string;
      dnsNames: string[];
      from: Date;
      to: Date;
    }): Pem {
      n += 1;
      const key = file(`leaf${n}.key`);
      const csr = file(`leaf${n}.csr`);
      const crt = file(`leaf${n}.crt`);
      const ext = file(`leaf${n}.ext`);
      writeFileSync(
        ext,
        [
          'basicConstraints = CA:FALSE',
          'keyUsage = digitalSignature, keyEncipherment',
          'extendedKeyUsage = serverAuth, clientAuth',
          ...(dnsNames.length ? [`subjectAltName = ${dnsNames.map((d) => `DNS:${d}`).join(', ')}`] : []),
          '',
        ].join('\n'),
      );
      openssl('req', '-new', ...EC_P256_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${commonName}`);
      openssl(
        'ca',
        '-batch',
        '-notext',
        '-config',
        file('sign.cnf'),
        '-cert',
        ca.caFile,
        '-keyfile',
        ca.keyFile,
        '-in',
        csr,
        '-out',
        crt,
        '-startdate',
        stamp(from),
        '-enddate',
        stamp(to),
        '-extfile',
        ext,
      );
      return { key: readFileSync(key, 'utf8'), cert: readFileSync(crt, 'utf8') };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The SBC's SIP/TLS listener on loopback: presents `pem` (swappable) and answers each OPTIONS with `status`
 * (200 unless told), echoing Via, From, To (with a tag), Call-ID and CSeq as RFC 3261 §8.2.6 requires. It keeps the
 * requests it received and the SNI names it was asked for.
 */
export async function startSipResponder(pem: Pem) {
  let status = { code: 200, reason: 'OK' };
  const requests: string[] = [];
  const serverNames: string[] = [];
  const server = tls.createServer({ key: pem.key, cert: pem.cert }, (socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\r\n\r\n'); end >= 0; end = buffer.indexOf('\r\n\r\n')) {
        const head = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        requests.push(head);
        const lines = head.split('\r\n');
        const header = (name: string) =>
          lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
        const to = header('To')[0] ?? 'To: <sip:unknown>';
        socket.write(
          [
            `SIP/2.0 ${status.code} ${status.reason}`,
            ...header('Via'),
            ...header('From'),
            /;\s*tag=/.test(to) ? to : `${to};tag=sbc${requests.length}`,
            ...header('Call-ID'),
            ...header('CSeq'),
            'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        );
      }
    });
    socket.on('error', () => undefined);
  });
  server.on('secureConnection', (socket) => {
    const name = (socket as tls.TLSSocket & { servername?: string }).servername;
    if (name) serverNames.push(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    serverNames,
    /** Presents another certificate from the next handshake on. */
    present(next: Pem) {
      server.setSecureContext({ key: next.key, cert: next.cert });
    },
    answer(code: number, reason: string) {
      status = { code, reason };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
