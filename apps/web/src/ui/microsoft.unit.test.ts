import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { splitMicrosoftMessage, teamsRoleSteps } from './microsoft.ts';

describe('splitMicrosoftMessage', () => {
  it('keeps a message without Microsoft details as it is', () => {
    expect(splitMicrosoftMessage('Microsoft Entra ID could not be reached. Try again shortly.')).toEqual({
      summary: 'Microsoft Entra ID could not be reached. Try again shortly.',
      details: [],
    });
  });

  it("moves the AADSTS code of Trunkline's own guidance into the details", () => {
    const split = splitMicrosoftMessage(
      'The admin account must use multi-factor authentication, which a password sign-in cannot do. Send the invitation link to the IT administrator. (Microsoft: AADSTS50076)',
    );
    expect(split.summary).toBe(
      'The admin account must use multi-factor authentication, which a password sign-in cannot do. Send the invitation link to the IT administrator.',
    );
    expect(split.details).toEqual([{ label: 'Error code', value: 'AADSTS50076' }]);
  });

  it("turns Microsoft's raw error into plain words plus code, trace id, correlation id and timestamp", () => {
    const split = splitMicrosoftMessage(
      'Microsoft refused the sign-in: AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication. Trace ID: 0b6f7c7a-5e2f-4d55-8a7e-1c2d3e4f5a6b Correlation ID: 11111111-2222-3333-4444-555555555555 Timestamp: 2026-12-07 14:00:00Z',
    );
    expect(split.summary).toBe(
      'Microsoft refused the sign-in: The account must use multi-factor authentication, which a password sign-in cannot do.',
    );
    expect(split.details).toEqual([
      { label: 'Error code', value: 'AADSTS50076' },
      { label: 'Trace ID', value: '0b6f7c7a-5e2f-4d55-8a7e-1c2d3e4f5a6b' },
      { label: 'Correlation ID', value: '11111111-2222-3333-4444-555555555555' },
      { label: 'Timestamp', value: '2026-12-07 14:00:00Z' },
      {
        label: "Microsoft's message",
        value:
          'Due to a configuration change made by your administrator, you must use multi-factor authentication.',
      },
    ]);
  });

  it("reads Microsoft's own CRLF-separated error_description the same way", () => {
    const split = splitMicrosoftMessage(
      'AADSTS50126: Error validating credentials due to invalid username or password.\r\nTrace ID: 0b6f7c7a-5e2f-4d55-8a7e-1c2d3e4f5a6b\r\nCorrelation ID: 11111111-2222-3333-4444-555555555555\r\nTimestamp: 2026-12-07 14:00:00Z',
    );
    expect(split.summary).toBe('Microsoft rejected the username or password.');
    expect(split.details).toContainEqual({
      label: 'Trace ID',
      value: '0b6f7c7a-5e2f-4d55-8a7e-1c2d3e4f5a6b',
    });
    expect(split.details).toContainEqual({
      label: "Microsoft's message",
      value: 'Error validating credentials due to invalid username or password.',
    });
  });

  it('an unknown code falls back to the first sentence of Microsoft’s text', () => {
    const split = splitMicrosoftMessage('AADSTS999999: Something odd happened. More text here.');
    expect(split.summary).toBe('Something odd happened.');
  });

  it('never returns an empty summary or a summary with a trace id', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.integer({ min: 10000, max: 9999999 })), (text, code) => {
        const message =
          code === null
            ? text
            : `${text} AADSTS${code}: ${text} Trace ID: 0b6f7c7a-5e2f-4d55-8a7e-1c2d3e4f5a6b`;
        const { summary } = splitMicrosoftMessage(message);
        expect(summary).not.toMatch(/Trace ID/);
        if (message.trim()) expect(summary.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('teamsRoleSteps', () => {
  const message =
    'No delegated sign-in is kept. Ask a Global Administrator or Privileged Role Administrator of the tenant to do this once: sign in to the Microsoft Entra admin center (entra.microsoft.com) → Identity → Roles & admins → "Teams Administrator" → Add assignments → select the enterprise application with application ID c0a7e7b1-3f5d-4b8e-9a26-5d1f0c3b7e42 → Assign. Then press "Re-check role".';

  it('recognises the manual steps with the reason, the app id and the role', () => {
    expect(teamsRoleSteps(message)).toEqual({
      why: 'No delegated sign-in is kept.',
      appId: 'c0a7e7b1-3f5d-4b8e-9a26-5d1f0c3b7e42',
      roleName: 'Teams Administrator',
    });
  });

  it('leaves other messages alone', () => {
    expect(teamsRoleSteps('Teams Administrator assigned to the app x.')).toBeNull();
  });
});
