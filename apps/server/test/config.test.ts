import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';

describe('configuration', () => {
  it('has working defaults for an embedded start', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.database.kind).toBe('pglite');
    expect(c.dataDir).toMatch(/data$/);
    expect(c.admin.password).toBeUndefined();
  });

  it('switches to PostgreSQL when DATABASE_URL is set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/trunkline', DATABASE_POOL_SIZE: '20' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/trunkline', poolSize: 20 });
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number between 1 and 65535 \(got "abc"\)/],
    ['PORT', '70000', /PORT must be a whole number/],
    ['PUBLIC_URL', 'ftp://x', /PUBLIC_URL must be an absolute http/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres:\/\/ .*\(got "\*\*\*"\)/],
    ['MASTER_KEY', 'c2hvcnQ=', /MASTER_KEY must be 32 random bytes in base64/],
    ['TRUNKLINE_ADMIN_EMAIL', 'not-an-email', /TRUNKLINE_ADMIN_EMAIL must be an e-mail address/],
    ['TRUNKLINE_ADMIN_PASSWORD', 'short', /TRUNKLINE_ADMIN_PASSWORD must be at least 12 characters/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['UI_BANNER_LINKS', '{', /UI_BANNER_LINKS must be a JSON array/],
  ])('rejects a bad %s with a message naming it and its rule', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
  });

  it.each(['ENTRA_AUTHORITY', 'GRAPH_BASE_URL', 'TEAMS_ADMIN_BASE_URL', 'AZURE_ARM_BASE_URL'])(
    'accepts http:// for %s only on a loopback host, so bearer tokens never travel in clear text',
    (name) => {
      for (const url of ['http://graph.example.com', 'http://10.0.0.5:8443', 'http://127.0.0.1.example.com'])
        expect(() => loadConfig({ [name]: url })).toThrow(new RegExp(`${name} must be an https:// URL`));
      for (const url of [
        'https://graph.example.com',
        'http://127.0.0.1:4010',
        'http://localhost:4010',
        'http://[::1]:4010',
        'http://emulator.localhost',
      ])
        expect(() => loadConfig({ [name]: url })).not.toThrow();
    },
  );

  it('never echoes a secret value in its message', () => {
    expect(() => loadConfig({ TRUNKLINE_ADMIN_PASSWORD: 'tiny-secret' })).toThrow(/got "\*\*\*"/);
  });

  it('derives the session cookie security from PUBLIC_URL and trims its trailing slash', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://portal.example.com/' }).publicUrl).toBe(
      'https://portal.example.com',
    );
  });
});
