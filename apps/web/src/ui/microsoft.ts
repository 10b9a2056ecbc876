/**
 * Messages that carry Microsoft's answers, split for people: a one-line summary in plain words, and the
 * details a support engineer needs (AADSTS code, trace id, correlation id, timestamp, Microsoft's own text).
 */
export type MicrosoftMessage = {
  summary: string;
  details: { label: string; value: string }[];
};

/** What common AADSTS codes mean, in words an operator understands. */
const plainWords: Record<string, string> = {
  AADSTS50076: 'The account must use multi-factor authentication, which a password sign-in cannot do.',
  AADSTS50079: 'The account must register for multi-factor authentication first.',
  AADSTS50126: 'Microsoft rejected the username or password.',
  AADSTS50034: 'Microsoft knows no such account in this tenant.',
  AADSTS50053: 'The account is locked after too many failed sign-ins.',
  AADSTS50057: 'The account is disabled.',
  AADSTS50059: 'Microsoft found no tenant for this sign-in.',
  AADSTS90002: 'Microsoft found no such tenant.',
  AADSTS65001: 'The app is not yet consented in this tenant.',
  AADSTS700016: 'The app is not known in this tenant.',
  AADSTS7000215: 'The client secret is not valid.',
  AADSTS7000222: 'The client secret has expired.',
  AADSTS53003: 'A Conditional Access policy blocked the sign-in.',
};

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const fields: { label: string; pattern: RegExp }[] = [
  { label: 'Trace ID', pattern: new RegExp(`Trace ID:\\s*(${GUID})`, 'i') },
  { label: 'Correlation ID', pattern: new RegExp(`Correlation ID:\\s*(${GUID})`, 'i') },
  { label: 'Timestamp', pattern: /Timestamp:\s*(\d{4}-\d{2}-\d{2}[ T][\d:.]+Z?)/i },
];

/** Splits a message into its summary and Microsoft's details; a message without any stays as it is. */
export function splitMicrosoftMessage(text: string): MicrosoftMessage {
  const code = /AADSTS\d+/.exec(text)?.[0] ?? null;
  const details: MicrosoftMessage['details'] = [];
  if (code) details.push({ label: 'Error code', value: code });
  for (const { label, pattern } of fields) {
    const value = pattern.exec(text)?.[1];
    if (value) details.push({ label, value });
  }
  if (details.length === 0) return { summary: text.trim(), details };

  // Microsoft's raw text: "AADSTS50076: <description> Trace ID: … Correlation ID: … Timestamp: …".
  const raw = /AADSTS\d+:\s*([^]*?)(?:\s*Trace ID:|$)/.exec(text)?.[1]?.trim();
  let summary = text
    .replace(/\s*\((?:Microsoft:\s*)?AADSTS\d+\)/g, '')
    .replace(/\s*Trace ID:[^]*$/i, '')
    .replace(/AADSTS\d+:\s*[^]*$/, '')
    .trim();
  if (raw) details.push({ label: "Microsoft's message", value: raw });
  if (!summary || /^[^A-Za-z]*$/.test(summary) || summary.endsWith(':'))
    summary = `${summary.replace(/:$/, '')}${summary ? ': ' : ''}${(code && plainWords[code]) ?? firstSentence(raw ?? text)}`;
  return { summary: summary.trim() || 'Microsoft returned an error; see the details.', details };
}

function firstSentence(text: string): string {
  const match = /^[^]*?[.!?](?=\s|$)/.exec(text.trim());
  return (match?.[0] ?? text).trim();
}

/**
 * The steps an admin follows to give the automation the Teams Administrator role, recognised in the server's
 * message; null when the message is not such a set of steps.
 */
export type RoleSteps = { why: string; appId: string; roleName: string };

export function teamsRoleSteps(message: string): RoleSteps | null {
  if (!/Roles & admins/.test(message)) return null;
  const appId = new RegExp(`application ID (${GUID})`).exec(message)?.[1];
  if (!appId) return null;
  const roleName = /→ "([^"]+)" →/.exec(message)?.[1] ?? 'Teams Administrator';
  const why = message.split(/\s*Ask a Global Administrator/)[0]?.trim() ?? '';
  return { why, appId, roleName };
}
