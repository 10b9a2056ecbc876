import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGeneratorConfig, DEFAULT_GENERATOR, type GeneratorConfig } from '../src/call-generator.ts';

/** The generator's configuration check (control API and start option): what it accepts is always usable. */
describe('checkGeneratorConfig', () => {
  const patch = fc.record(
    {
      enabled: fc.oneof(fc.boolean(), fc.string(), fc.integer()),
      minIntervalSeconds: fc.oneof(fc.double({ noNaN: false }), fc.string()),
      maxIntervalSeconds: fc.oneof(fc.double({ noNaN: false }), fc.string()),
      poorShare: fc.oneof(fc.double({ noNaN: false }), fc.constant(null)),
      failedShare: fc.oneof(fc.double({ noNaN: false }), fc.boolean()),
      sbcZone: fc.oneof(fc.constant(null), fc.domain(), fc.string()),
    },
    { requiredKeys: [] },
  );

  it('answers a configuration that keeps its invariants, or refuses the patch', () => {
    fc.assert(
      fc.property(patch, (p) => {
        let c: GeneratorConfig;
        try {
          c = checkGeneratorConfig(DEFAULT_GENERATOR, p);
        } catch (e) {
          expect((e as { status?: number }).status).toBe(400);
          return;
        }
        expect(typeof c.enabled).toBe('boolean');
        expect(c.minIntervalSeconds).toBeGreaterThanOrEqual(0.1);
        expect(c.maxIntervalSeconds).toBeLessThanOrEqual(86_400);
        expect(c.minIntervalSeconds).toBeLessThanOrEqual(c.maxIntervalSeconds);
        for (const share of [c.poorShare, c.failedShare]) expect(share >= 0 && share <= 1).toBe(true);
        expect(c.sbcZone === null || c.sbcZone === c.sbcZone.toLowerCase()).toBe(true);
        // What was given and accepted is what is answered.
        for (const [k, v] of Object.entries(p))
          if (k !== 'sbcZone') expect(c[k as keyof GeneratorConfig]).toBe(v);
      }),
    );
  });

  it('refuses an unknown setting and a body that is not an object, and never changes the base', () => {
    const base = { ...DEFAULT_GENERATOR };
    fc.assert(
      fc.property(
        fc.string().filter((k) => !(k in DEFAULT_GENERATOR) && k !== '__proto__'),
        fc.jsonValue(),
        (k, v) => {
          expect(() => checkGeneratorConfig(base, { [k]: v })).toThrow(/Unknown setting/);
        },
      ),
    );
    for (const body of [null, [], 'on', 1]) expect(() => checkGeneratorConfig(base, body)).toThrow(/object/);
    expect(base).toEqual(DEFAULT_GENERATOR);
  });
});
