import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditSentence } from './audit.ts';

const base = {
  actorName: 'Anna Admin',
  actorEmail: 'anna@provider.example',
  action: 'routing.start',
  outcome: 'success' as const,
  targetType: 'service',
  targetId: '0a7d0982-0000-4000-8000-000000000000',
  targetName: 'Redmond HQ',
  customerName: 'Contoso',
  summary: {},
};

describe('audit sentences', () => {
  it.each([
    [{}, 'Anna Admin configured default routing for Contoso — Redmond HQ'],
    [
      { action: 'service.delete', targetName: null, summary: { fullName: 'Old name' } },
      'Anna Admin deleted Contoso — Old name',
    ],
    [
      { actorEmail: 'system:routing', actorName: 'routing', action: 'routing.complete' },
      'Trunkline finished default routing for Contoso — Redmond HQ',
    ],
    [
      { action: 'routing.step', outcome: 'failure' as const, summary: { step: 'dns' } },
      'Anna Admin ran a routing step for Contoso — Redmond HQ (dns) — failed',
    ],
    [
      { action: 'session.login', targetType: 'user', targetName: 'Anna Admin', customerName: null },
      'Anna Admin signed in',
    ],
    [
      { action: 'customer.create', targetType: 'customer', targetName: 'Contoso', customerName: 'Contoso' },
      'Anna Admin added customer Contoso',
    ],
    [
      { action: 'something.new', targetType: 'widget', targetName: null, customerName: null },
      'Anna Admin something new widget 0a7d0982',
    ],
  ])('%j', (patch, sentence) => {
    expect(auditSentence({ ...base, ...patch })).toBe(sentence);
  });

  it('reads an action named like an Object property as an unknown action, not the prototype', () => {
    expect(auditSentence({ ...base, action: '__proto__' })).toBe('Anna Admin proto Contoso — Redmond HQ');
    expect(auditSentence({ ...base, action: 'constructor' })).not.toContain('function');
  });

  it('always gives one line that names the actor', () => {
    fc.assert(
      fc.property(
        fc.record({
          actorName: fc.option(fc.string(), { nil: null }),
          actorEmail: fc.string(),
          action: fc.string(),
          outcome: fc.constantFrom('success' as const, 'failure' as const),
          targetType: fc.string(),
          targetId: fc.option(fc.uuid(), { nil: null }),
          targetName: fc.option(fc.string(), { nil: null }),
          customerName: fc.option(fc.string(), { nil: null }),
          summary: fc.dictionary(fc.string(), fc.jsonValue()),
        }),
        (e) => {
          const s = auditSentence(e);
          expect(s.length).toBeGreaterThan(0);
          expect(s.startsWith('undefined')).toBe(false);
          expect(s).not.toContain('[object Object]');
        },
      ),
    );
  });
});
