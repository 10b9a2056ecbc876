import type { MailMessage } from '../mail/mailer.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The invitation e-mail, in plain text and HTML, naming who asks, for what, what to do and until when. */
export function invitationEmail(input: {
  to: string;
  providerName: string;
  customerName: string;
  serviceName: string;
  link: string;
  expiresAt: Date;
}): MailMessage {
  const expires = input.expiresAt.toUTCString();
  const subject = `${input.providerName}: connect Microsoft Teams for ${input.customerName}`;
  const steps = [
    'Open the link below and sign in with a Global administrator (or a service account administrator) of your Microsoft 365 tenant.',
    `Either consent to ${input.providerName}'s application or grant a delegated token, so that ${input.providerName} can configure Teams Direct Routing for your tenant (domain, voice routes and policies).`,
    'Nothing changes in your tenant until you approve it there; you can revoke the access in Microsoft Entra at any time.',
  ];
  const text = [
    `Hello,`,
    ``,
    `${input.providerName} is setting up the service "${input.serviceName}" for ${input.customerName}: Microsoft Teams calling through ${input.providerName}'s network (Direct Routing).`,
    ``,
    `What you will be asked to do:`,
    ...steps.map((s, i) => `  ${i + 1}. ${s}`),
    ``,
    `Link: ${input.link}`,
    ``,
    `The link works once and expires on ${expires}. If it has expired, ask ${input.providerName} for a new one.`,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:36rem">
<p>Hello,</p>
<p><strong>${escape(input.providerName)}</strong> is setting up the service <strong>${escape(input.serviceName)}</strong> for <strong>${escape(input.customerName)}</strong>: Microsoft Teams calling through ${escape(input.providerName)}'s network (Direct Routing).</p>
<p>What you will be asked to do:</p>
<ol>${steps.map((s) => `<li>${escape(s)}</li>`).join('')}</ol>
<p><a href="${escape(input.link)}" style="display:inline-block;padding:.6rem 1rem;background:#1c7ed6;color:#fff;border-radius:4px;text-decoration:none">Connect Microsoft 365</a></p>
<p>Or copy this link: <br><code>${escape(input.link)}</code></p>
<p>The link works once and expires on <strong>${escape(expires)}</strong>. If it has expired, ask ${escape(input.providerName)} for a new one.</p>
</body></html>`;
  return { to: input.to, subject, text, html };
}
