/**
 * sipp scenarios of the Kamailio SIP proof (`kamailio-sip.test.ts`), as XML text. Messages sent over the TLS
 * relays write `TLS` in Via by hand: sipp itself speaks TCP to the relay, Kamailio sees TLS.
 */

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/SAVP 0 8',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz',
  '',
].join('\n');

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The caller: INVITE to `[service]`, then either the answer (200, ACK, hold `holdMs`, BYE) or the expected
 * refusal (`refusedWith`, ACKed hop by hop). `via` is the transport written in Via (`[transport]` or `TLS`).
 */
export function callerScenario(o: {
  name: string;
  requestUri: string;
  from: string;
  contact: string;
  via: string;
  holdMs?: number;
  refusedWith?: number;
  /** The called side ends the call: wait for its BYE and answer it. */
  calleeHangsUp?: boolean;
}): string {
  const invite = `
  <send retrans="500">
    <![CDATA[
INVITE ${o.requestUri} SIP/2.0
Via: SIP/2.0/${o.via} [local_ip]:[local_port];branch=[branch];rport
From: <${o.from}>;tag=[pid]SIPpTag00[call_number]
To: <${o.requestUri}>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <${o.contact}>
Max-Forwards: 70
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS
Content-Type: application/sdp
Content-Length: [len]

${SDP}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>`;
  const answered = `
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/${o.via} [local_ip]:[local_port];branch=[branch];rport
[routes]
From: <${o.from}>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="${o.holdMs ?? 200}"/>
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/${o.via} [local_ip]:[local_port];branch=[branch];rport
[routes]
From: <${o.from}>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>`;
  const answeredThenHungUp = `${answered.slice(0, answered.indexOf('  <pause'))}  <recv request="BYE"/>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>`;
  // The ACK of a refusal belongs to the INVITE's transaction: same branch (sent 3 or more messages earlier).
  const refused = `
  <recv response="${o.refusedWith}"/>
  <send>
    <![CDATA[
ACK ${o.requestUri} SIP/2.0
Via: SIP/2.0/${o.via} [local_ip]:[local_port];branch=[branch-5];rport
From: <${o.from}>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>`;
  const flow = o.refusedWith !== undefined ? refused : o.calleeHangsUp ? answeredThenHungUp : answered;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${o.name}">${invite}${flow}
</scenario>
`;
}

/**
 * The answering side: takes an INVITE, checks it (`checks`: regular expressions the whole message must match,
 * sipp's `<ereg check_it>`: a mismatch fails the call), answers 200 with `contact`, then waits for ACK and BYE.
 */
export function answererScenario(o: {
  name: string;
  contact: string;
  checks: RegExp[];
  /** INVITEs matching this are ended by this side (BYE along the Record-Route set) instead of the caller. */
  hangUpFor?: RegExp;
}): string {
  const ereg = o.checks
    .map(
      (re, i) =>
        `      <ereg regexp="${escapeXml(re.source)}" search_in="msg" check_it="true" assign_to="check${i}"/>`,
    )
    .join('\n');
  const hangUp = o.hangUpFor
    ? `\n      <ereg regexp="${escapeXml(o.hangUpFor.source)}" search_in="msg" check_it="false" assign_to="hangup"/>
      <ereg regexp=".*" search_in="hdr" header="From:" check_it="true" assign_to="caller"/>`
    : '';
  const assigned = [
    ...o.checks.map((_, i) => `check${i}`),
    ...(o.hangUpFor ? ['hangup', 'caller'] : []),
  ].join(',');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${o.name}">
  <recv request="INVITE" crlf="true" rrs="true">
    <action>
${ereg}${hangUp}
    </action>
  </recv>
  <Reference variables="${assigned}"/>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <${o.contact}>
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS
Content-Type: application/sdp
Content-Length: [len]

${SDP}
    ]]>
  </send>
  <recv request="ACK" crlf="true"${o.hangUpFor ? ' next="hangup" test="hangup"' : ''}/>
  <recv request="BYE"/>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>${o.hangUpFor ? hangUpSteps : ''}
</scenario>
`;
}

/** This side's BYE for a call it answered: to the caller's Contact along the Record-Route set. */
const hangUpSteps = `
  <nop next="end"/>
  <label id="hangup"/>
  <pause milliseconds="200"/>
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/TLS [local_ip]:[local_port];branch=[branch];rport
[routes]
From: <sip:[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
To:[$caller]
Call-ID: [call_id]
CSeq: 1 BYE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <label id="end"/>`;

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export { escapeRegex };
