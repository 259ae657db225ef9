import { describe, expect, it } from 'vitest';
import { newerVersion } from './resources.ts';

describe('newerVersion', () => {
  it('compares etcd revisions as integers, not as strings', () => {
    expect(newerVersion('1000', '999')).toBe(true);
    expect(newerVersion('999', '1000')).toBe(false);
    expect(newerVersion('42', '42')).toBe(false);
  });

  it('calls nothing newer when a version is missing or not a revision', () => {
    expect(newerVersion(undefined, '1')).toBe(false);
    expect(newerVersion('2', undefined)).toBe(false);
    expect(newerVersion('abc', '1')).toBe(false);
  });
});
