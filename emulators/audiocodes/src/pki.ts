import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A private CA and the SBC's certificate for the sandbox and the e2e world, made with the openssl CLI (the same
 * tool the tests' certificates and Kamailio's use; no dependency): the CA once per directory, the SBC certificate
 * (EC P-256, subjectAltName = the given DNS names, e.g. `*.<SBC base domain>` and the carrier FQDN) again only when
 * it is missing, does not cover a name, is not signed by the CA or is within 60 days of its end. Trunkline trusts
 * the CA through `HEALTH_TLS_CA_FILE`; nothing here is a public CA, so a real Microsoft would not accept it.
 */

export type SbcPki = {
  /** PEM files in the directory. */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The SBC's certificate and key (PEM), e.g. for `startAudioCodesEmulator({ sip })`. */
  cert: string;
  key: string;
};

const CA_DAYS = 3650;
const LEAF_DAYS = 825;
const RENEW_BEFORE_MS = 60 * 24 * 3600 * 1000;

/** Whether the openssl CLI can be run (the sandbox starts without the SIP/TLS listener when it cannot). */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Runs the openssl CLI in `dir`; throws (with openssl's stderr in the message) when it fails. */
export const opensslIn =
  (dir: string) =>
  (...args: string[]): Buffer =>
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** openssl arguments for a new EC P-256 key, unencrypted (after `req`, before `-keyout`). */
export const EC_P256_KEY: readonly string[] = [
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:P-256',
  '-nodes',
];

/**
 * Makes a self-signed CA in `dir`: `ca.key` and `ca.crt` (EC P-256, 10 years, CN `commonName`), with its extensions
 * from a config of our own (`ca.cnf`), so the system's openssl.cnf does not matter. Throws when openssl fails.
 */
export function createCa(dir: string, commonName: string): { caFile: string; keyFile: string } {
  const file = (name: string) => path.join(dir, name);
  writeFileSync(
    file('ca.cnf'),
    [
      '[req]',
      'prompt = no',
      'distinguished_name = dn',
      'x509_extensions = v3_ca',
      '[dn]',
      `CN = ${commonName}`,
      '[v3_ca]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  opensslIn(dir)(
    'req',
    '-x509',
    '-config',
    file('ca.cnf'),
    ...EC_P256_KEY,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    String(CA_DAYS),
  );
  return { caFile: file('ca.crt'), keyFile: file('ca.key') };
}

function leafIsGood(certFile: string, caFile: string, names: string[]): boolean {
  if (!existsSync(certFile)) return false;
  try {
    const leaf = new X509Certificate(readFileSync(certFile));
    const ca = new X509Certificate(readFileSync(caFile));
    return (
      leaf.checkIssued(ca) &&
      leaf.verify(ca.publicKey) &&
      new Date(leaf.validTo).getTime() - Date.now() > RENEW_BEFORE_MS &&
      names.every((n) => (leaf.subjectAltName ?? '').split(', ').includes(`DNS:${n}`))
    );
  } catch {
    return false;
  }
}

/**
 * Makes (or reuses) the CA and the SBC certificate in `dir` for `dnsNames` (the first is also the CN).
 * Throws when openssl is missing or fails.
 */
export function ensureSbcPki(dir: string, dnsNames: string[]): SbcPki {
  if (!dnsNames.length) throw new Error('ensureSbcPki needs at least one DNS name');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(dir, name);
  const openssl = opensslIn(dir);
  const pki: Omit<SbcPki, 'cert' | 'key'> = {
    caFile: file('ca.crt'),
    certFile: file('sbc.crt'),
    keyFile: file('sbc.key'),
  };
  if (!existsSync(file('ca.crt')) || !existsSync(file('ca.key'))) {
    createCa(dir, 'Trunkline Sandbox CA');
    rmSync(file('sbc.crt'), { force: true });
  }
  if (!leafIsGood(pki.certFile, pki.caFile, dnsNames)) {
    writeFileSync(
      file('sbc.cnf'),
      [
        '[req]',
        'prompt = no',
        'distinguished_name = dn',
        '[dn]',
        `CN = ${dnsNames[0]}`,
        '[ext]',
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        'extendedKeyUsage = serverAuth, clientAuth',
        `subjectAltName = ${dnsNames.map((n) => `DNS:${n}`).join(', ')}`,
        'authorityKeyIdentifier = keyid',
        '',
      ].join('\n'),
    );
    openssl(
      'req',
      '-new',
      '-config',
      file('sbc.cnf'),
      ...EC_P256_KEY,
      '-keyout',
      pki.keyFile,
      '-out',
      file('sbc.csr'),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file('sbc.csr'),
      '-CA',
      pki.caFile,
      '-CAkey',
      file('ca.key'),
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-days',
      String(LEAF_DAYS),
      '-sha256',
      '-extfile',
      file('sbc.cnf'),
      '-extensions',
      'ext',
      '-out',
      pki.certFile,
    );
    rmSync(file('sbc.csr'), { force: true });
  }
  return {
    ...pki,
    cert: readFileSync(pki.certFile, 'utf8'),
    key: readFileSync(pki.keyFile, 'utf8'),
  };
}
