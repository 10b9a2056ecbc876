import { describe, expect, it } from 'vitest';
import { withParams } from './list.ts';

describe('withParams', () => {
  it('sets the parameters given a value, removes those given null or nothing, keeps the rest', () => {
    const before = new URLSearchParams('page=3&q=contoso&status=active');
    const after = withParams(before, { page: null, q: 'fabrikam', status: '', customerId: 'c1' });
    expect(after.toString()).toBe('q=fabrikam&customerId=c1');
    expect(before.toString()).toBe('page=3&q=contoso&status=active');
  });
});
