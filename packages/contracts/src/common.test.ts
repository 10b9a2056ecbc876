import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeText, ListQuerySchema, nameField, text, unsafeTextPaths } from './common.ts';

/** A lone surrogate or a NUL, the characters the text rule refuses. */
const unsafeChar = fc.oneof(
  fc.constant('\u0000'),
  fc.integer({ min: 0xd800, max: 0xdbff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0xdc00, max: 0xdfff }).map((c) => String.fromCharCode(c)),
);
/** Any Unicode text without NUL (whole code points, so surrogates come only in pairs). */
const safeString = fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000'));

describe('the text rule', () => {
  it('accepts any Unicode text without NUL, emoji and other surrogate pairs included', () => {
    fc.assert(
      fc.property(safeString, (s) => {
        expect(isSafeText(s)).toBe(true);
      }),
    );
    expect(isSafeText('📞 call')).toBe(true);
  });

  it('refuses a NUL or an unpaired surrogate anywhere in otherwise good text', () => {
    fc.assert(
      fc.property(safeString, unsafeChar, safeString, (a, bad, b) => {
        // A low surrogate right after a high one would be a pair, not a bad character.
        fc.pre(!(/[\ud800-\udbff]$/.test(a) && bad >= '\udc00' && bad <= '\udfff'));
        expect(isSafeText(`${a}${bad}x${b}`)).toBe(false);
      }),
    );
    expect(isSafeText('\ud83d')).toBe(false);
    expect(isSafeText('\ude00\ud83d')).toBe(false);
  });

  it('names the path of every bad string and key in a nested value', () => {
    expect(
      unsafeTextPaths({ a: 'ok', b: { c: 'x\u0000', d: ['fine', '\ud800'] }, ['k\u0000']: 1 }).sort(),
    ).toEqual(['b.c', 'b.d.1', 'k\\u0000']);
    expect(unsafeTextPaths('bad\u0000')).toEqual(['']);
    expect(unsafeTextPaths({ n: 1, t: true, z: null, e: '📞' })).toEqual([]);
  });

  it('is part of the shared string schemas', () => {
    expect(nameField().safeParse('Na\u0000me').success).toBe(false);
    expect(nameField().safeParse('  Name ').data).toBe('Name');
    expect(text().safeParse('\udfff').success).toBe(false);
    expect(ListQuerySchema.safeParse({ q: '\u0000' }).error?.issues[0]?.path).toEqual(['q']);
  });
});
