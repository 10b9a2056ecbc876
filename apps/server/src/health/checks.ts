import { Resolver } from 'node:dns/promises';
import type { HealthCheckName, HealthCheckResult, HealthDifference, HealthLight } from '@trunkline/contracts';
import { canonicalIpv6 } from '../dns/names.ts';
import type { SbcInspection } from '../sbc/provisioner.ts';
import { assessCertificate, type CertificateFacts } from './certificate.ts';
import type { SipResponse } from './sip-options.ts';
import type { SipTarget } from './tls-probe.ts';

/**
 * The five checks of a service's health, each a function of what a probe read: DNS, the certificate, the SBC's
 * rows, the tenant, SIP OPTIONS. A check that cannot apply yet is grey; one that could not read (a resolver or the
 * tenant unreachable) is amber, never red: red is what was read and is wrong.
 */

export const result = (
  name: HealthCheckName,
  light: HealthLight,
  reason: string,
  extra: { drift?: HealthDifference[]; details?: Record<string, string> } = {},
): HealthCheckResult => ({ name, light, reason, drift: extra.drift ?? [], details: extra.details ?? {} });

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

// ------------------------------------------------------------------------------------------------ DNS

export type Addresses = { a: string[]; aaaa: string[] };

/**
 * Resolves names the way the rest of the world does: through recursive resolvers (the configured list, else the
 * system's), never by asking only the zone's authoritative server. Its own channel, no cache between checks.
 */
export function createPublicResolver(servers: string[], timeoutMs: number) {
  const resolver = new Resolver({ timeout: Math.max(200, Math.floor(timeoutMs / 2)), tries: 2 });
  if (servers.length) resolver.setServers(servers);
  const one = async (fqdn: string, type: 'A' | 'AAAA'): Promise<string[]> => {
    try {
      return type === 'A' ? await resolver.resolve4(fqdn) : await resolver.resolve6(fqdn);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw new Error(
        `The resolver ${resolver.getServers().join(', ')} failed for ${fqdn} ${type} (${code ?? 'error'}).`,
        {
          cause: e,
        },
      );
    }
  };
  return {
    servers: () => resolver.getServers(),
    async resolve(fqdn: string): Promise<Addresses> {
      const [a, aaaa] = await Promise.all([one(fqdn, 'A'), one(fqdn, 'AAAA')]);
      return { a, aaaa };
    },
  };
}

const canonical = (address: string) => {
  if (!address.includes(':')) return address;
  try {
    return canonicalIpv6(address);
  } catch {
    return address.toLowerCase();
  }
};
const sameSet = (a: string[], b: string[]) => {
  const x = new Set(a.map(canonical));
  const y = new Set(b.map(canonical));
  return x.size === y.size && [...x].every((v) => y.has(v));
};

/**
 * DNS: the FQDN's A and AAAA records as resolvers answer them must be the SBC's addresses. A difference is drift
 * when Trunkline writes the records (the run configures DNS): Repair writes them again.
 */
export function dnsCheck(
  fqdn: string,
  expected: Addresses,
  resolved: Addresses | Error,
  trunklineWritesDns: boolean,
  resolvers: string,
): HealthCheckResult {
  if (resolved instanceof Error)
    return result('dns', 'amber', `Could not resolve ${fqdn}: ${resolved.message}`, {
      details: { resolvers },
    });
  const details = {
    resolvers,
    a: resolved.a.join(', ') || '(none)',
    aaaa: resolved.aaaa.join(', ') || '(none)',
  };
  const drift: HealthDifference[] = [];
  for (const type of ['a', 'aaaa'] as const)
    if (!sameSet(resolved[type], expected[type]))
      drift.push({
        object: `${type.toUpperCase()} ${fqdn}`,
        expected: expected[type].join(', ') || null,
        actual: resolved[type].join(', ') || null,
      });
  if (!drift.length)
    return result('dns', 'green', `${fqdn} resolves to ${[...resolved.a, ...resolved.aaaa].join(', ')}.`, {
      details,
    });
  const nothing = !resolved.a.length && !resolved.aaaa.length;
  const reason = nothing
    ? `${fqdn} does not resolve (no A or AAAA record through ${resolvers}); it should point at ${[...expected.a, ...expected.aaaa].join(', ')}.`
    : `${fqdn} resolves to ${[...resolved.a, ...resolved.aaaa].join(', ')}, not to the SBC's ${[...expected.a, ...expected.aaaa].join(', ')}.`;
  return result(
    'dns',
    'red',
    trunklineWritesDns ? reason : `${reason} The zone is kept by hand: fix it at the DNS host.`,
    {
      details,
      drift: trunklineWritesDns ? drift : [],
    },
  );
}

// ------------------------------------------------------------------------------------------------ certificate

export function certificateCheck(fqdn: string, target: SipTarget, cert: CertificateFacts | Error, now: Date) {
  const where = `${target.address}:${target.port}`;
  if (cert instanceof Error)
    return result('certificate', 'red', `No certificate from the SBC: ${cert.message}`, {
      details: { target: where },
    });
  const verdict = assessCertificate(fqdn, cert, now);
  return result('certificate', verdict.light, verdict.reason, {
    details: { target: where, ...verdict.details },
  });
}

// ------------------------------------------------------------------------------------------------ SBC rows

/** SBC rows: what the device holds compared with what it should hold for the customer; missing or differing is drift. */
export function sbcCheck(
  sbc: { name: string } | null,
  inspection: SbcInspection | Error | null,
): HealthCheckResult {
  if (!sbc || !inspection)
    return result('sbc', 'grey', 'No SBC is configured for this service yet (Configure SBC has not run).');
  if (inspection instanceof Error)
    return result('sbc', 'amber', `Could not read the SBC ${sbc.name}: ${inspection.message}`);
  const drift: HealthDifference[] = [
    ...inspection.missing.map((object) => ({ object, expected: 'present', actual: 'missing' })),
    ...inspection.differing.map((object) => ({
      object,
      expected: 'as Trunkline wrote it',
      actual: 'changed',
    })),
  ];
  if (!drift.length) return result('sbc', 'green', `${sbc.name} holds the customer's rows.`);
  const parts = [
    ...(inspection.missing.length ? [`missing ${inspection.missing.join(', ')}`] : []),
    ...(inspection.differing.length ? [`changed ${inspection.differing.join(', ')}`] : []),
  ];
  return result(
    'sbc',
    'red',
    `${sbc.name} does not hold the customer's rows as Trunkline wrote them: ${parts.join('; ')}.`,
    {
      drift,
    },
  );
}

// ------------------------------------------------------------------------------------------------ tenant

/** One object of the tenant as the routing steps' previews read it; `action` other than 'none' is drift. */
export type TenantObject = { object: string; identity: string; action: string; detail: string };

export function tenantCheck(objects: TenantObject[] | Error): HealthCheckResult {
  if (objects instanceof Error)
    return result('tenant', 'amber', `Could not read the tenant: ${why(objects)}`);
  const drift = objects
    .filter((o) => o.action !== 'none')
    .map((o) => ({
      object: `${o.object} ${o.identity}`,
      expected: 'as configured by Trunkline',
      actual: o.detail,
    }));
  if (!drift.length)
    return result('tenant', 'green', 'The domain is verified and the voice route uses the trunk FQDN.', {
      details: Object.fromEntries(objects.map((o) => [`${o.object} ${o.identity}`, o.detail])),
    });
  return result(
    'tenant',
    'red',
    `The tenant differs from what Trunkline configured: ${drift.map((d) => `${d.object}: ${d.actual}`).join('; ')}.`,
    {
      drift,
    },
  );
}

// ------------------------------------------------------------------------------------------------ SIP OPTIONS

export function optionsCheck(target: SipTarget, answer: SipResponse | Error): HealthCheckResult {
  const where = `${target.address}:${target.port}`;
  if (answer instanceof Error)
    return result('sip-options', 'red', `No answer to SIP OPTIONS from ${where}: ${answer.message}`, {
      details: { target: where },
    });
  const details = { target: where, status: `${answer.status} ${answer.reason}`.trim() };
  if (answer.status === 200)
    return result('sip-options', 'green', `The SBC answered OPTIONS with 200 ${answer.reason}.`.trim(), {
      details,
    });
  return result(
    'sip-options',
    'red',
    `The SBC answered OPTIONS with ${answer.status} ${answer.reason}, not 200.`,
    {
      details,
    },
  );
}
