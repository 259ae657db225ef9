import { describe, expect, it } from 'vitest';
import { checksum, pendingMigrations } from './migrate.ts';

const one = { id: '001_a', sql: 'CREATE TABLE a ()' };
const two = { id: '002_b', sql: 'CREATE TABLE b ()' };

describe('pending migrations', () => {
  it('are the ones not applied yet, in order', () => {
    expect(pendingMigrations([one, two], new Map([[one.id, checksum(one.sql)]]))).toEqual([two]);
  });

  it('refuse an applied migration whose text changed', () => {
    expect(() => pendingMigrations([{ ...one, sql: 'CREATE TABLE a (x int)' }], new Map([[one.id, checksum(one.sql)]]))).toThrow(/changed after it was applied/);
  });

  it('refuse a duplicate id', () => {
    expect(() => pendingMigrations([one, one], new Map())).toThrow(/declared twice/);
  });
});
