import { describe, expect, it } from 'vitest';
import { hashPassword, hashToken, newSecretToken, verifyPassword } from '../src/platform/crypto.ts';
import { redactDeep, redactUrl } from '../src/platform/logger.ts';
import { captureLogs } from './support/log-capture.ts';

describe('password hashing', () => {
  it('verifies the right password and rejects others', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain('correct');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
  it('salts every hash', async () => {
    expect(await hashPassword('same password!')).not.toBe(await hashPassword('same password!'));
  });
});

describe('tokens', () => {
  it('carry 256 bits and a prefix, and hash deterministically', () => {
    const t = newSecretToken('tlk_');
    expect(t).toMatch(/^tlk_[A-Za-z0-9_-]{43}$/);
    expect(hashToken(t)).toBe(hashToken(t));
    expect(hashToken(t)).not.toContain(t.slice(4));
  });
});

describe('log redaction', () => {
  it('redacts secret-looking fields at any depth', () => {
    const out = redactDeep({
      headers: { authorization: 'Bearer abc', cookie: 'trunkline_session=abc' },
      body: {
        user: { password: 'p4ss', nested: [{ clientSecret: 's3cr3t', apiKey: 'k3y', refresh_token: 'r' }] },
      },
      keep: 'visible',
    });
    const text = JSON.stringify(out);
    for (const secret of ['Bearer abc', 'trunkline_session=abc', 'p4ss', 's3cr3t', 'k3y', '"r"'])
      expect(text).not.toContain(secret);
    expect(text).toContain('visible');
  });

  it('masks invitation tokens and credential query parameters in URLs', () => {
    expect(redactUrl('/invite/abcDEF123?x=1')).toBe('/invite/[redacted]?x=1');
    expect(redactUrl('/cb?code=xyz&state=s&tenant=t&client_secret=q')).toBe(
      '/cb?code=[redacted]&state=[redacted]&tenant=t&client_secret=[redacted]',
    );
  });

  it('applies to every line a real logger writes', () => {
    const logs = captureLogs();
    logs.logger.info(
      {
        request: { password: 'hunter2hunter2', token: 'tok123' },
        err: Object.assign(new Error('boom'), { secret: 'shh' }),
      },
      'hello',
    );
    expect(logs.text()).toContain('hello');
    expect(logs.text()).not.toMatch(/hunter2|tok123|shh/);
  });
});
