/**
 * Does the SBC's certificate cover the trunk FQDN, and for how long still? Pure decisions, no sockets (the
 * handshake is `tls-probe.ts`).
 *
 * Name matching follows RFC 6125 §6.4 (the rules Microsoft's SIP proxies apply, `microsoft-365.md` §5.1/§5.8):
 * - The reference identifier is the FQDN; comparison is case-insensitive, a trailing dot is ignored.
 * - When the certificate has any subjectAltName dNSName, only those count; the subject CN is a fallback only for a
 *   certificate without dNSNames (§6.4.4).
 * - A wildcard is allowed only as the whole left-most label (`*.sbc1.example.com`) and stands for exactly one
 *   non-empty label: it does not match `sbc1.example.com` nor `a.b.sbc1.example.com`. Partial wildcards
 *   (`s*.example.com`, `*bc.example.com`), wildcards in other labels and wildcards over fewer than two labels
 *   (`*.com`) match nothing.
 */

/** The names a certificate presents for a server. */
export type PresentedNames = { dnsNames: string[]; commonNames: string[] };

const normalise = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const validLabels = (labels: string[]) => labels.length > 0 && labels.every((l) => LABEL.test(l));

/** Whether one presented identifier (maybe a wildcard) matches the reference FQDN. */
export function matchesIdentifier(reference: string, presented: string): boolean {
  const ref = normalise(reference).split('.');
  const pat = normalise(presented).split('.');
  if (!validLabels(ref)) return false;
  if (pat.length !== ref.length) return false;
  const [first, ...rest] = pat;
  if (first === '*') {
    // One label only, and at least two fixed labels after it (never `*.com`).
    if (rest.length < 2 || !validLabels(rest)) return false;
    return rest.every((l, i) => l === ref[i + 1]);
  }
  if (!validLabels(pat)) return false; // also refuses `*` anywhere else and partial wildcards
  return pat.every((l, i) => l === ref[i]);
}

/** Which identifiers count (SAN dNSNames, or the CN without them) and the one that matched, if any. */
export function coveringName(
  fqdn: string,
  names: PresentedNames,
): { counted: string[]; matched: string | null; source: 'san' | 'cn' } {
  const source = names.dnsNames.length ? 'san' : 'cn';
  const counted = source === 'san' ? names.dnsNames : names.commonNames;
  return { counted, matched: counted.find((n) => matchesIdentifier(fqdn, n)) ?? null, source };
}

/**
 * Node's `X509Certificate.subjectAltName` text (`DNS:a.example, IP Address:192.0.2.1, DNS:"x, y"`): entries are
 * separated by `, `; a value with separators or quotes is JSON-quoted.
 */
export function parseSubjectAltName(text: string | undefined): { dnsNames: string[] } {
  const dnsNames: string[] = [];
  if (!text) return { dnsNames };
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const kind = text.slice(i, colon).trim();
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      // JSON string: find its closing quote (skipping escapes).
      let j = colon + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      value = JSON.parse(text.slice(colon + 1, j + 1)) as string;
      next = text.indexOf(',', j + 1);
    } else {
      next = text.indexOf(', ', colon + 1);
      value = text.slice(colon + 1, next < 0 ? undefined : next);
    }
    if (kind === 'DNS') dnsNames.push(value);
    if (next < 0) break;
    i = next + 1;
    while (text[i] === ' ') i += 1;
  }
  return { dnsNames };
}

/** The CN values of Node's `X509Certificate.subject` text (one `key=value` per line). */
export function commonNamesOf(subject: string): string[] {
  return subject
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
}

export type CertificateFacts = PresentedNames & {
  notBefore: Date;
  notAfter: Date;
  issuer: string;
  /** The chain verified against the trusted roots; else the verifier's code (e.g. `SELF_SIGNED_CERT_IN_CHAIN`). */
  trusted: boolean;
  trustError: string | null;
};
export type CertificateVerdict = {
  light: 'green' | 'amber' | 'red';
  reason: string;
  details: Record<string, string>;
};

const DAY = 24 * 3600_000;

/**
 * The certificate check's light: red when it does not cover the FQDN, has expired or is not valid yet; amber when it
 * expires within `warnDays` (Microsoft's own warning starts 30 days before) or its chain does not verify against
 * the trusted roots (Microsoft accepts only certificates of CAs in its Trusted Root Program; this machine's roots
 * are an approximation, so amber, not red); green otherwise.
 */
export function assessCertificate(
  fqdn: string,
  cert: CertificateFacts,
  now: Date,
  warnDays = 30,
): CertificateVerdict {
  const { counted, matched, source } = coveringName(fqdn, cert);
  const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY);
  const details: Record<string, string> = {
    names: counted.join(', ') || '(none)',
    namesFrom: source === 'san' ? 'subjectAltName' : 'subject CN',
    notAfter: cert.notAfter.toISOString(),
    issuer: cert.issuer,
  };
  if (!matched)
    return {
      light: 'red',
      reason: `The certificate does not cover ${fqdn}: it names ${counted.join(', ') || 'nothing'}${
        source === 'san' ? ' (subjectAltName)' : ' (subject CN; it has no subjectAltName DNS names)'
      }.`,
      details,
    };
  details.matched = matched;
  if (cert.notAfter.getTime() <= now.getTime())
    return {
      light: 'red',
      reason: `The certificate expired on ${cert.notAfter.toISOString()}.`,
      details,
    };
  if (cert.notBefore.getTime() > now.getTime())
    return {
      light: 'red',
      reason: `The certificate is not valid before ${cert.notBefore.toISOString()}.`,
      details,
    };
  if (cert.notAfter.getTime() - now.getTime() <= warnDays * DAY)
    return {
      light: 'amber',
      reason: `The certificate expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (${cert.notAfter.toISOString()}): renew it.`,
      details,
    };
  if (!cert.trusted)
    return {
      light: 'amber',
      reason: `The certificate's chain does not verify against the trusted roots (${cert.trustError ?? 'not verified'}): Microsoft accepts only certificates of a public CA it trusts.`,
      details,
    };
  return {
    light: 'green',
    reason: `Covers ${fqdn} (${matched}); valid for ${daysLeft} more days.`,
    details,
  };
}
