import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kamailioProvisionerFor } from '../../src/sbc/kamailio-provisioner.ts';
import type { SbcCustomer, SbcProvisioner, SbcRecord } from '../../src/sbc/provisioner.ts';
import { SbcError } from '../../src/sbc/sbc-device.ts';
import {
  header,
  makeTestPki,
  requireSipTools,
  runSipp,
  sipMessages,
  sipOverTls,
  startKamailio,
  startSippServer,
  tlsOriginator,
  tlsTerminator,
  type Kamailio,
  type Relay,
  type SippRun,
} from './kamailio.ts';
import { answererScenario, callerScenario, escapeRegex } from './sip-scenarios.ts';
import { freePort, tempDir, waitFor } from './support.ts';

/**
 * The Kamailio SBC proven with real SIP (issue #11): the shipped `deploy/kamailio/kamailio.cfg` on loopback, the
 * Kamailio provisioner writing a customer through JSON-RPC as the Configure SBC step does, and sipp as the PSTN
 * carrier (UDP) and as Microsoft (TCP behind a TLS relay: Debian's sipp has no TLS). What sipp on Microsoft's side
 * received is checked twice: by its scenario (`<ereg check_it>`) and here, from the bytes the relay passed on.
 * Kamailio is never restarted: its PID is the same at the end. Without kamailio, its TLS module, sipp or openssl
 * the suite fails (never skips): install them with scripts/system-deps.sh.
 */

/** The sandbox's SBC base domain (scripts/sandbox.ts); the carrier trunk FQDN is the base domain itself. */
const BASE = 'sbc.trunkline.example';
const CUSTOMER_FQDN = `contoso.${BASE}`;
const CUSTOMER_CONTACT = `<sip:${CUSTOMER_FQDN}:5061;transport=tls>`;
/** Microsoft on loopback: the Teams side accepts only this address (the relay connects from it). */
const MICROSOFT_ADDRESS = '127.0.0.2';
/** A call to this number is ended by Teams (its BYE goes to the carrier through the SBC). */
const TEAMS_HANGS_UP = '+49301231999';

const customer: SbcCustomer = {
  serviceId: '6f1e0c1e-8d0e-4a52-9a55-000000000001',
  shortName: 'contoso',
  fqdn: CUSTOMER_FQDN,
  ranges: [
    { kind: 'range', prefix: '+4930123', from: '1000', to: '1999' },
    { kind: 'number', number: '+4940555123' },
  ],
  sessionLimit: 1,
  model: 'shared-trunk',
};

describe('Kamailio SBC with real SIP (sipp)', () => {
  let tools: ReturnType<typeof requireSipTools>;
  let dir: ReturnType<typeof tempDir>;
  let kamailio: Kamailio;
  let provisioner: SbcProvisioner;
  let microsoftIn: Relay;
  let microsoftOut: Relay & { peerNames(): string[] };
  let microsoft: Awaited<ReturnType<typeof startSippServer>>;
  let carrier: Awaited<ReturnType<typeof startSippServer>>;
  let startPid: number;
  let record: SbcRecord;
  let pki: Awaited<ReturnType<typeof makeTestPki>>;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    tools = requireSipTools();
    dir = tempDir('trunkline-kamailio');
    cleanups.push(async () => dir.remove());
    pki = await makeTestPki(dir.dir, tools.openssl, BASE);

    // Microsoft's side: sipp over TCP behind a TLS terminator (Kamailio → Microsoft), checking every INVITE;
    // its Contact is the terminator, as Microsoft's is one of its proxies.
    const microsoftPort = await freePort();
    microsoft = await startSippServer({
      sipp: tools.sipp,
      dir: dir.dir,
      name: 'microsoft',
      transport: 't1',
      scenario: answererScenario({
        name: 'microsoft',
        contact: `sip:${MICROSOFT_ADDRESS}:${microsoftPort};transport=tls`,
        hangUpFor: new RegExp(`^INVITE sip:${escapeRegex(TEAMS_HANGS_UP)}@`),
        checks: [/^INVITE sip:\+[1-9][0-9]+@/, new RegExp(`Contact: ${escapeRegex(CUSTOMER_CONTACT)}`)],
      }),
    });
    cleanups.push(() => microsoft.stop());
    microsoftIn = await tlsTerminator({
      cert: pki.cert,
      key: pki.key,
      target: microsoft.port,
      port: microsoftPort,
      host: MICROSOFT_ADDRESS,
    });
    cleanups.push(() => microsoftIn.close());

    // The carrier's gateway: sipp over UDP taking calls from Teams.
    carrier = await startSippServer({
      sipp: tools.sipp,
      dir: dir.dir,
      name: 'carrier',
      transport: 'u1',
      scenario: answererScenario({
        name: 'carrier',
        contact: 'sip:gw@127.0.0.1:[local_port]',
        checks: [/^INVITE sip:\+4915112345678@127\.0\.0\.1:/],
      }),
    });
    cleanups.push(() => carrier.stop());

    kamailio = await startKamailio({
      dir: dir.dir,
      pki,
      baseDomain: BASE,
      carrierFqdn: BASE,
      proxies: [`sip:${MICROSOFT_ADDRESS}:${microsoftIn.port};transport=tls`],
      // A list, as the default (52.112.0.0/14,52.120.0.0/14): the second entry is the loopback Microsoft.
      msSubnets: `52.112.0.0/14,${MICROSOFT_ADDRESS}/32`,
      pstnGateway: `127.0.0.1:${carrier.port}`,
      rpcAuth: { username: 'trunkline', password: 'rpc-secret-for-tests' },
    });
    cleanups.push(() => kamailio.stop());
    startPid = kamailio.pid;

    // Microsoft's calls toward the SBC: sipp over TCP to a relay that speaks TLS to Kamailio from 127.0.0.2.
    microsoftOut = await tlsOriginator({
      target: kamailio.teamsPort,
      ca: pki.caPem,
      servername: CUSTOMER_FQDN,
      localAddress: MICROSOFT_ADDRESS,
    });
    cleanups.push(() => microsoftOut.close());

    provisioner = kamailioProvisionerFor({
      id: 'sbc-kamailio-1',
      managementUrl: kamailio.rpcUrl,
      username: 'trunkline',
      password: 'rpc-secret-for-tests',
    });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  const context = (run: SippRun) =>
    [
      `sipp exited ${run.code}`,
      run.output,
      '--- messages ---',
      run.messages.slice(-3000),
      '--- Microsoft sipp ---',
      microsoft
        .messages()
        .split(/^-{10,}.*$/m)
        .filter((block) => !block.includes('OPTIONS'))
        .join('---\n')
        .slice(-4000),
      kamailio.tail(30),
    ].join('\n');

  /** A call from the carrier (UDP) to `called`, answered or refused with `refusedWith`. */
  const callFromPstn = (
    name: string,
    called: string,
    o: { refusedWith?: number; holdMs?: number; calleeHangsUp?: boolean } = {},
  ) =>
    runSipp({
      sipp: tools.sipp,
      dir: dir.dir,
      name,
      remote: `127.0.0.1:${kamailio.pstnPort}`,
      transport: 'u1',
      scenario: callerScenario({
        name,
        requestUri: `sip:${called}@127.0.0.1:${kamailio.pstnPort}`,
        from: 'sip:+4969111222@127.0.0.1',
        contact: 'sip:carrier@[local_ip]:[local_port]',
        via: '[transport]',
        ...o,
      }),
    });

  /** The INVITEs Microsoft's sipp received for `number`. */
  const invitesAtMicrosoft = (number: string) =>
    sipMessages(microsoftIn.toSipp()).filter((m) => m.startLine.startsWith(`INVITE sip:${number}@`));

  it('Test connection reads the version and the tables through JSON-RPC', async () => {
    const result = await provisioner.test();
    expect(result.product).toBe('kamailio');
    expect(result.version).toMatch(/^5\./);
    expect(result.details.tables).toBe('customers, numbers');
    expect(result.details.microsoftProxies).toBe(1);
  });

  it('refuses JSON-RPC without the credentials', async () => {
    const wrong = kamailioProvisionerFor({
      id: 'sbc-kamailio-1',
      managementUrl: kamailio.rpcUrl,
      username: 'trunkline',
      password: 'wrong',
    });
    const error = await wrong.test().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SbcError);
    expect((error as SbcError).kind).toBe('unauthorized');
  });

  it('onboards a customer: the plan shows the rows, apply writes them, a second plan is empty', async () => {
    const plan = await provisioner.planApply(customer, undefined);
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]?.text).toBe(
      [
        `numbers: key=+49301231|12, value=${CUSTOMER_FQDN}`,
        `numbers: key=+4940555123|11, value=${CUSTOMER_FQDN}`,
        `customers: key=${CUSTOMER_FQDN}, value=1`,
      ].join('\n'),
    );
    // A checkpoint that fails (the record could not be kept) stops apply before anything is written.
    const stopped = await provisioner
      .apply(customer, undefined, () => Promise.reject(new Error('database down')))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(stopped)).toContain('database down');
    expect((await provisioner.inspect(customer, undefined)).missing).toHaveLength(3);

    const checkpoints: SbcRecord[] = [];
    record = await provisioner.apply(customer, undefined, async (r) => {
      checkpoints.push(r);
    });
    expect(checkpoints).toHaveLength(1);
    expect(record.state).toEqual(checkpoints[0]?.state);
    expect(await kamailio.rpc('htable.get', ['numbers', '+49301231|12'])).toMatchObject({
      item: { value: CUSTOMER_FQDN },
    });
    expect((await provisioner.planApply(customer, record)).changes).toEqual([]);
    expect(await provisioner.inspect(customer, record)).toEqual({ missing: [], differing: [] });
  });

  it('a call from the PSTN to a number in the range reaches Teams with the customer Contact, in E.164', async () => {
    // The carrier sends the number without +: the SBC writes it in E.164.
    const run = await callFromPstn('pstn-in', '49301231500');
    expect(run.code, context(run)).toBe(0);
    const [invite] = invitesAtMicrosoft('+49301231500');
    expect(invite, microsoftIn.toSipp().slice(-2000)).toBeDefined();
    expect(invite?.startLine).toMatch(/^INVITE sip:\+49301231500@127\.0\.0\.2:\d+;transport=tls SIP\/2\.0$/);
    expect(header(invite!, 'contact')).toEqual([CUSTOMER_CONTACT]);
    expect(header(invite!, 'record-route').join(',')).toContain(`sip:${CUSTOMER_FQDN}:5061;transport=tls`);
    // The single number too.
    const single = await callFromPstn('pstn-in-single', '+4940555123');
    expect(single.code, context(single)).toBe(0);
    expect(invitesAtMicrosoft('+4940555123')).toHaveLength(1);
  });

  it('Teams ends a call from the PSTN: its BYE to the customer Contact reaches the carrier', async () => {
    const run = await callFromPstn('pstn-in-teams-hangs-up', TEAMS_HANGS_UP, { calleeHangsUp: true });
    expect(run.code, context(run)).toBe(0);
    expect(run.messages).toMatch(/BYE sip:carrier@127\.0\.0\.1:\d+ SIP\/2\.0/);
    expect(await kamailio.rpc('dlg.profile_get_size', ['customer', CUSTOMER_FQDN])).toBe(0);
  });

  it('refuses a number of no customer, and a number longer than the range', async () => {
    const run = await callFromPstn('pstn-unknown', '+4930999000', { refusedWith: 404 });
    expect(run.code, context(run)).toBe(0);
    const longer = await callFromPstn('pstn-longer', '+493012315001', { refusedWith: 404 });
    expect(longer.code, context(longer)).toBe(0);
    expect(invitesAtMicrosoft('+4930999000')).toEqual([]);
  });

  it('refuses the call past the session limit and admits it again once the first call ends', async () => {
    const first = callFromPstn('pstn-held', '+49301231001', { holdMs: 6000 });
    await waitFor(
      'the first call to be up (one session in the customer profile)',
      async () => (await kamailio.rpc('dlg.profile_get_size', ['customer', CUSTOMER_FQDN])) === 1,
      { timeoutMs: 10_000, intervalMs: 100, context: () => kamailio.tail(20) },
    );
    const second = await callFromPstn('pstn-over-limit', '+49301231002', { refusedWith: 503 });
    expect(second.code, context(second)).toBe(0);
    const held = await first;
    expect(held.code, context(held)).toBe(0);
    expect(await kamailio.rpc('dlg.profile_get_size', ['customer', CUSTOMER_FQDN])).toBe(0);
    const after = await callFromPstn('pstn-after-limit', '+49301231003');
    expect(after.code, context(after)).toBe(0);
  });

  it('sends OPTIONS to Microsoft with the carrier FQDN in From and Contact', async () => {
    const options = await waitFor(
      'an OPTIONS from Kamailio at Microsoft',
      () => sipMessages(microsoftIn.toSipp()).find((m) => m.startLine.startsWith('OPTIONS ')),
      { timeoutMs: 10_000 },
    );
    expect(header(options, 'contact')).toEqual([`<sip:${BASE}:5061;transport=tls>`]);
    expect(header(options, 'from')[0]).toMatch(new RegExp(`^<?sip:${escapeRegex(BASE)}>?;tag=`));
    expect(sipMessages(microsoftIn.toKamailio()).some((m) => m.startLine.startsWith('SIP/2.0 200'))).toBe(
      true,
    );
    // Test connection shows the proxy answering the keep-alive.
    expect((await provisioner.test()).details).toMatchObject({
      microsoftProxies: 1,
      microsoftProxiesActive: 1,
    });
  });

  /** An OPTIONS as Microsoft sends it, over TLS from `from`. */
  const optionsFrom = (from: string) =>
    sipOverTls({
      port: kamailio.teamsPort,
      ca: pki.caPem,
      servername: BASE,
      localAddress: from,
      message: [
        `OPTIONS sip:${BASE}:5061;transport=tls SIP/2.0`,
        `Via: SIP/2.0/TLS ${from}:5061;branch=z9hG4bK-${from.replaceAll('.', '')}-1;rport`,
        'From: <sip:sip.pstnhub.microsoft.com>;tag=ms1',
        `To: <sip:${BASE}>`,
        `Call-ID: options-${from}`,
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'User-Agent: Microsoft.PSTNHub.SIPProxy',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    });

  it("answers Microsoft's OPTIONS with the carrier FQDN, and refuses the Teams side to other addresses", async () => {
    const answer = await optionsFrom(MICROSOFT_ADDRESS);
    expect(answer.startLine).toBe('SIP/2.0 200 OK');
    expect(header(answer, 'contact')).toEqual([`<sip:${BASE}:5061;transport=tls>`]);
    const refused = await optionsFrom('127.0.0.1');
    expect(refused.startLine).toBe('SIP/2.0 403 Forbidden');
  });

  it('passes a call from Teams to the PSTN, the carrier answer reaching Teams with the customer Contact', async () => {
    const name = 'teams-out';
    const run = await runSipp({
      sipp: tools.sipp,
      dir: dir.dir,
      name,
      remote: `127.0.0.1:${microsoftOut.port}`,
      transport: 't1',
      scenario: callerScenario({
        name,
        requestUri: `sip:+4915112345678@${CUSTOMER_FQDN}:5061;transport=tls;user=phone`,
        from: `sip:+49301231234@${CUSTOMER_FQDN};user=phone`,
        contact: 'sip:api-du-b.pstnhub.microsoft.com:443;transport=tls',
        via: 'TLS',
      }),
    });
    expect(run.code, context(run)).toBe(0);
    const answer = sipMessages(microsoftOut.toSipp()).find(
      (m) => m.startLine.startsWith('SIP/2.0 200') && header(m, 'cseq')[0] === '1 INVITE',
    );
    expect(header(answer!, 'contact')).toEqual([CUSTOMER_CONTACT]);
    // The TLS certificate Kamailio showed covers the customer FQDN.
    expect(microsoftOut.peerNames()[0]).toContain(`DNS:*.${BASE}`);
    expect(carrier.messages()).toMatch(/INVITE sip:\+4915112345678@127\.0\.0\.1/);
    expect(carrier.messages()).toMatch(/BYE sip:gw@127\.0\.0\.1/);
  });

  it("never overwrites another customer's row; a change of ranges removes only the rows no longer wanted", async () => {
    const other: SbcCustomer = {
      ...customer,
      serviceId: '6f1e0c1e-8d0e-4a52-9a55-000000000002',
      shortName: 'fabrikam',
      fqdn: `fabrikam.${BASE}`,
      ranges: [{ kind: 'range', prefix: '+4930123', from: '1000', to: '1999' }],
    };
    const plan = await provisioner.planApply(other, undefined);
    expect(plan.foreign).toEqual([`numbers +49301231|12 holds ${CUSTOMER_FQDN}`]);
    const refused = await provisioner.apply(other, undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refused as SbcError).kind).toBe('rejected');
    expect(await kamailio.rpc('htable.get', ['numbers', '+49301231|12'])).toMatchObject({
      item: { value: CUSTOMER_FQDN },
    });

    // The single number leaves the customer: its row goes, the range's stays.
    const fewer = { ...customer, ranges: customer.ranges.slice(0, 1), sessionLimit: 2 };
    const change = await provisioner.planApply(fewer, record);
    expect(change.changes.map((c) => [c.action, c.objects])).toEqual([
      ['write', [`customers ${CUSTOMER_FQDN}`]],
      ['remove', ['numbers +4940555123|11']],
    ]);
    record = await provisioner.apply(fewer, record);
    expect(await provisioner.inspect(fewer, record)).toEqual({ missing: [], differing: [] });
    const single = await callFromPstn('pstn-number-gone', '+4940555123', { refusedWith: 404 });
    expect(single.code, context(single)).toBe(0);
  });

  it('offboarding removes exactly the rows written; the same inbound call is then refused', async () => {
    const plan = await provisioner.planRemove(record);
    expect(plan.changes[0]?.objects).toEqual(['numbers +49301231|12', `customers ${CUSTOMER_FQDN}`]);
    await provisioner.remove(record);
    expect((await provisioner.planRemove(record)).changes).toEqual([]);
    expect(await provisioner.inspect(customer, undefined)).toMatchObject({ differing: [] });
    const run = await callFromPstn('pstn-after-remove', '49301231500', { refusedWith: 404 });
    expect(run.code, context(run)).toBe(0);
  });

  it('Kamailio was never restarted', () => {
    expect(kamailio.alive(), kamailio.tail()).toBe(true);
    expect(kamailio.pid).toBe(startPid);
  });
});

describe('Kamailio SBC after a crash', () => {
  it('starts again with the customers written before the crash (htables saved to its database)', async () => {
    const tools = requireSipTools();
    const dir = tempDir('trunkline-kamailio-crash');
    const pki = await makeTestPki(dir.dir, tools.openssl, BASE);
    const params = {
      dir: dir.dir,
      pki,
      baseDomain: BASE,
      carrierFqdn: BASE,
      proxies: ['sip:127.0.0.1:9;transport=tls'],
      msSubnets: `${MICROSOFT_ADDRESS}/32`,
      pstnGateway: '127.0.0.1:9',
    };
    let kamailio = await startKamailio(params);
    try {
      const first = kamailioProvisionerFor({ id: 'sbc-1', managementUrl: kamailio.rpcUrl });
      const record = await first.apply(customer, undefined);
      await kamailio.crash();

      kamailio = await startKamailio(params);
      const again = kamailioProvisionerFor({ id: 'sbc-1', managementUrl: kamailio.rpcUrl });
      expect(await again.inspect(customer, record)).toEqual({ missing: [], differing: [] });
      expect((await again.planApply(customer, record)).changes).toEqual([]);

      // Offboarding is saved too: after another crash nothing of the customer is left.
      await again.remove(record);
      await kamailio.crash();
      kamailio = await startKamailio(params);
      const third = kamailioProvisionerFor({ id: 'sbc-1', managementUrl: kamailio.rpcUrl });
      expect((await third.inspect(customer, record)).missing).toHaveLength(3);
    } finally {
      await kamailio.stop();
      dir.remove();
    }
  });
});
