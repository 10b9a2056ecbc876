/**
 * The sandbox: emulators of the outside services, started on loopback when their production
 * configuration is absent. Each contributes configuration for the server (never a code path of its own)
 * and a line saying where it runs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureSbcPki, opensslAvailable, startAudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { startDnsEmulator } from '@trunkline/emulator-dns';
import { loadDefaultSeed, startM365Emulator } from '@trunkline/emulator-m365';
import { startSmtpSink } from '@trunkline/emulator-smtp';

/**
 * Microsoft's pace in the sandbox, scaled down but never instant, so every sandbox onboarding goes through it: new
 * directory objects and a freshly consented app replicate for a few seconds (Microsoft: seconds to minutes), and a
 * newly activated domain is refused as a gateway for tens of seconds (Microsoft: up to 24 hours). The e2e suite
 * starts its emulator with the same values (e2e/global-setup.ts). `SANDBOX_M365_REPLICATION_SECONDS` and
 * `SANDBOX_M365_ACTIVATION_DELAY_SECONDS` change them (0 turns them off).
 */
export const SANDBOX_M365_PACE = { replicationSeconds: 3, teamsActivationDelaySeconds: 30 };

/**
 * The M365 emulator's call generator (`emulators/m365/src/call-generator.ts`): on in the sandbox, so a service
 * whose Notification Service app is set gets calls every 20–60 s once its trunk exists and its dashboard fills
 * itself. `SANDBOX_QOE_GENERATOR=off` (or `0`) turns it off at start, `on` (`1`) on; unset, the emulator keeps what
 * its control API last set (`PUT {emulator}/_control/call-generator`), else on.
 */
export const sandboxCallGenerator = (env: Record<string, string | undefined>): boolean | undefined => {
  const v = env.SANDBOX_QOE_GENERATOR?.toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (['on', '1', 'true'].includes(v)) return true;
  if (['off', '0', 'false'].includes(v)) return false;
  throw new Error('SANDBOX_QOE_GENERATOR must be on or off');
};

const seconds = (v: string | undefined, fallback: number, name: string) => {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 3600) throw new Error(`${name} must be whole seconds 0..3600`);
  return n;
};

/** The SBC base domain of a fresh install (provider settings), which the sandbox's DNS serves. */
export const SANDBOX_SBC_ZONE = 'sbc.trunkline.example';

/**
 * The sandbox DNS's TSIG key, made once per data directory: saved routing settings keep it (sealed), so it must
 * stay the same from one start to the next.
 */
function sandboxTsigSecret(dataDir: string): string {
  const file = path.join(dataDir, 'sandbox-dns-tsig.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The sandbox SBC's REST password, made once per data directory: the SBC inventory keeps it (sealed) from the
 * first start, so it must stay the same from one start to the next.
 */
function sandboxSbcPassword(dataDir: string): string {
  const file = path.join(dataDir, 'sandbox-sbc.password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(18).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The sandbox SBC's SIP/TLS certificate: a private CA made once per data directory (`<DATA_DIR>/sandbox-pki/ca.crt`,
 * trusted by the health check through `HEALTH_TLS_CA_FILE`) and a certificate for `*.<zone>` and the carrier FQDN
 * `<zone>`, kept from one start to the next. Null without the openssl CLI: the sandbox then runs no SIP listener.
 */
function sandboxSbcPki(dataDir: string, zone: string) {
  if (!opensslAvailable()) return null;
  return ensureSbcPki(path.resolve(dataDir, 'sandbox-pki'), [`*.${zone}`, zone]);
}

/**
 * Where the sandbox's emulators keep their state: `<DATA_DIR>/sandbox/{m365,dns,audiocodes}.json`, so a restart of
 * `npm start` finds the tenants, consents, refresh tokens, DNS records and SBC tables it left, as a real deployment
 * would (the server's database, in the same data directory, remembers them). `SANDBOX_RESET=1` deletes the files
 * first, so the emulators start fresh (the database still remembers: reset it too, or expect drift).
 */
export function sandboxStateFiles(env: Record<string, string | undefined>) {
  const dir = path.resolve(env.DATA_DIR ?? './data', 'sandbox');
  const files = {
    dir,
    m365: path.join(dir, 'm365.json'),
    dns: path.join(dir, 'dns.json'),
    audiocodes: path.join(dir, 'audiocodes.json'),
  };
  if (env.SANDBOX_RESET === '1' || env.SANDBOX_RESET === 'true')
    for (const f of [files.m365, files.dns, files.audiocodes]) rmSync(f, { force: true });
  return files;
}

export type Sandbox = { env: Record<string, string>; describe: string[]; stop(): Promise<void> };

export async function startSandbox(env: Record<string, string | undefined>): Promise<Sandbox> {
  const started: Sandbox[] = [];
  const state = sandboxStateFiles(env);
  if (!env.SMTP_URL) {
    const sink = await startSmtpSink({
      smtpPort: Number(env.SANDBOX_SMTP_PORT ?? 2525),
      httpPort: Number(env.SANDBOX_INBOX_PORT ?? 8025),
    });
    started.push({
      env: { SMTP_URL: `smtp://127.0.0.1:${sink.smtpPort}`, SANDBOX_INBOX_URL: sink.httpUrl },
      describe: [`  mail (sink)  smtp://127.0.0.1:${sink.smtpPort}, inbox ${sink.httpUrl}`],
      stop: () => sink.stop(),
    });
  }
  let dnsServer: string | undefined;
  if (!env.DNS_RFC2136_SERVER) {
    // The provider's DNS: an authoritative server for the SBC zone that takes RFC 2136 updates signed with
    // a TSIG key made for this run. Microsoft's (emulated) domain verification resolves through it.
    const zone = env.SANDBOX_SBC_ZONE ?? SANDBOX_SBC_ZONE;
    const secret = sandboxTsigSecret(env.DATA_DIR ?? './data');
    const dns = await startDnsEmulator({
      port: Number(env.SANDBOX_DNS_PORT ?? 8053),
      zones: [{ name: zone }],
      keys: [{ name: 'trunkline-sandbox', algorithm: 'hmac-sha256', secret }],
      stateFile: state.dns,
    });
    dnsServer = dns.address;
    started.push({
      env: {
        DNS_RFC2136_SERVER: dns.address,
        DNS_TSIG_KEY_NAME: 'trunkline-sandbox',
        DNS_TSIG_SECRET: secret,
        ...(env.SBC_ADDRESSES ? {} : { SBC_ADDRESSES: '198.51.100.10' }),
        // The health check's DNS check asks this server as the public would ask theirs (the zone exists nowhere else).
        ...(env.HEALTH_DNS_RESOLVERS ? {} : { HEALTH_DNS_RESOLVERS: dns.address }),
      },
      describe: [
        `  DNS (emulator)  ${dns.address} udp+tcp — zone ${zone}, RFC 2136 with TSIG key trunkline-sandbox`,
      ],
      stop: () => dns.stop(),
    });
  }
  if (!env.SBC_DEFAULT_URL) {
    // The provider's SBC: the AudioCodes Mediant emulator (REST API, the carrier model's INI tables), which the
    // server adds to its empty SBC inventory as the default SBC. Its tables are kept in the data directory.
    // Its SIP/TLS listener (Microsoft's side, 5061 on a real device) runs on loopback with a certificate from the
    // sandbox CA; the SBC's address is 127.0.0.1, so the customers' A records, the health check's DNS, certificate
    // and SIP OPTIONS checks all meet it (HEALTH_SIP_PORT, HEALTH_TLS_CA_FILE).
    const dataDir = env.DATA_DIR ?? './data';
    const password = sandboxSbcPassword(dataDir);
    const zone = env.SANDBOX_SBC_ZONE ?? SANDBOX_SBC_ZONE;
    const pki = sandboxSbcPki(dataDir, zone);
    const sipPort = Number(env.SANDBOX_AUDIOCODES_SIP_PORT ?? 5061);
    const sbc = await startAudioCodesEmulator({
      port: Number(env.SANDBOX_AUDIOCODES_PORT ?? 8040),
      users: [{ username: 'trunkline', password, privilege: 'admin' }],
      stateFile: state.audiocodes,
      ...(pki ? { sip: { port: sipPort, cert: pki.cert, key: pki.key, contactFqdn: zone } } : {}),
    });
    const sip = sbc.sip;
    started.push({
      env: {
        SBC_DEFAULT_KIND: 'audiocodes',
        SBC_DEFAULT_NAME: 'Sandbox Mediant (emulator)',
        SBC_DEFAULT_URL: sbc.url,
        SBC_DEFAULT_USERNAME: 'trunkline',
        SBC_DEFAULT_PASSWORD: password,
        SBC_DEFAULT_CARRIER_FQDN: zone,
        ...(env.SBC_ADDRESSES || env.SBC_DEFAULT_ADDRESSES ? {} : { SBC_DEFAULT_ADDRESSES: '127.0.0.1' }),
        ...(sip && pki
          ? {
              ...(env.HEALTH_SIP_PORT ? {} : { HEALTH_SIP_PORT: String(sip.port) }),
              ...(env.HEALTH_TLS_CA_FILE ? {} : { HEALTH_TLS_CA_FILE: pki.caFile }),
            }
          : {}),
      },
      describe: [
        `  SBC (AudioCodes emulator)  ${sbc.url} — the default SBC, REST user trunkline; tables at ${sbc.controlUrl}/tables`,
        sip && pki
          ? `  SBC SIP/TLS (AudioCodes emulator)  ${sip.host}:${sip.port} — answers OPTIONS; certificate for *.${zone} from the sandbox CA ${pki.caFile}`
          : '  SBC SIP/TLS  none: the openssl CLI is missing, so the health check shows the certificate and SIP OPTIONS red',
      ],
      stop: () => sbc.stop(),
    });
  }
  if (!env.ENTRA_CLIENT_ID) {
    const replication = seconds(
      env.SANDBOX_M365_REPLICATION_SECONDS,
      SANDBOX_M365_PACE.replicationSeconds,
      'SANDBOX_M365_REPLICATION_SECONDS',
    );
    const activationDelay = seconds(
      env.SANDBOX_M365_ACTIVATION_DELAY_SECONDS,
      SANDBOX_M365_PACE.teamsActivationDelaySeconds,
      'SANDBOX_M365_ACTIVATION_DELAY_SECONDS',
    );
    const m365 = await startM365Emulator({
      port: Number(env.SANDBOX_M365_PORT ?? 8030),
      ...(dnsServer ? { dnsServers: [dnsServer] } : {}),
      replication,
      teamsActivationDelaySeconds: activationDelay,
      stateFile: state.m365,
      callGenerator: { enabled: true, sbcZone: env.SANDBOX_SBC_ZONE ?? SANDBOX_SBC_ZONE },
    });
    const generatorSwitch = sandboxCallGenerator(env);
    if (generatorSwitch !== undefined) m365.control.configureCallGenerator({ enabled: generatorSwitch });
    const generator = m365.control.callGenerator();
    // The sandbox's demo tenant: contoso has consented to the provider app, so its admin's credentials
    // connect; fabrikam (MFA enforced) and northwind (not consented) show the fallbacks.
    m365.control.consent('contoso');
    const app = loadDefaultSeed().apps[0]!;
    started.push({
      env: {
        ENTRA_AUTHORITY: m365.urls.login,
        ENTRA_CLIENT_ID: app.appId,
        ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
        GRAPH_BASE_URL: m365.urls.graph,
        TEAMS_ADMIN_BASE_URL: m365.urls.teams,
      },
      describe: [
        `  Microsoft 365 (emulator)  ${m365.url} — tenants contoso, fabrikam, northwind (see emulators/m365/README.md); directory replication ${replication} s, domain activation delay ${activationDelay} s`,
        `  Teams call generator (emulator)  ${generator.enabled ? `on: a call every ${generator.minIntervalSeconds}–${generator.maxIntervalSeconds} s per tenant with a call-record subscription and a trunk` : 'off'}; ${m365.urls.control}/call-generator (SANDBOX_QOE_GENERATOR=on|off)`,
      ],
      stop: () => m365.stop(),
    });
  }
  const out: Sandbox = {
    env: {},
    describe: [],
    async stop() {
      await Promise.allSettled(started.map((s) => s.stop()));
    },
  };
  for (const s of started) {
    Object.assign(out.env, s.env);
    out.describe.push(...s.describe);
  }
  if (!env.DNS_RFC2136_SERVER || !env.SBC_DEFAULT_URL || !env.ENTRA_CLIENT_ID)
    out.describe.push(
      `  emulator state  ${state.dir} (m365.json, dns.json, audiocodes.json): kept across restarts; SANDBOX_RESET=1 or deleting them starts the emulators fresh`,
    );
  if (started.length > 0 && !env.UI_BANNER_TEXT) {
    out.env.UI_BANNER_TEXT = 'Sandbox: outside services are emulated on this machine.';
    const links = out.env.SANDBOX_INBOX_URL ? [{ label: 'Mail inbox', url: out.env.SANDBOX_INBOX_URL }] : [];
    out.env.UI_BANNER_LINKS = JSON.stringify(links);
  }
  return out;
}
