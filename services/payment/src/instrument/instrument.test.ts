import { describe, expect, it } from 'vitest';
import { instrumentReference } from './instrument.ts';

describe('instrument reference', () => {
  it('is the same for the same rider and method, and differs between riders', () => {
    expect(instrumentReference('upi', 'asha')).toBe(instrumentReference('upi', 'asha'));
    expect(instrumentReference('upi', 'asha')).not.toBe(instrumentReference('upi', 'ravi'));
  });

  it('looks like what the provider uses for each method', () => {
    expect(instrumentReference('upi', 'Asha K')).toMatch(/^ashak\.[0-9a-f]{4}@okmetro$/);
    expect(instrumentReference('upi', '!!!')).toMatch(/^rider[0-9a-f]{8}\.[0-9a-f]{4}@okmetro$/);
    expect(instrumentReference('card', 'asha')).toMatch(/^tok_[0-9a-f]{24}$/);
    expect(instrumentReference('wallet', 'asha')).toMatch(/^wlt_[0-9a-f]{16}$/);
  });
});
