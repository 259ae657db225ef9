import { describe, expect, it } from 'vitest';
import { mayUse, OwnedByAnotherService, ownerComment, ownerFromComment, ownerOf } from './ownership.ts';

describe('ownership marks', () => {
  it('round-trip an owner through a Postgres COMMENT', () => {
    expect(ownerFromComment(ownerComment(ownerOf('team-a', 'ledger')))).toBe('team-a/ledger');
  });

  it('read no owner from a missing or foreign comment', () => {
    expect(ownerFromComment(null)).toBeUndefined();
    expect(ownerFromComment(undefined)).toBeUndefined();
    expect(ownerFromComment('created by hand for reporting')).toBeUndefined();
  });

  it('let the owner and unmarked resources through, and nobody else', () => {
    expect(mayUse(undefined, 'team-b/ledger')).toBe(true);
    expect(mayUse('team-b/ledger', 'team-b/ledger')).toBe(true);
    expect(mayUse('team-a/ledger', 'team-b/ledger')).toBe(false);
  });

  it('name both services and the way out in the error', () => {
    const error = new OwnedByAnotherService('Postgres database ledger', 'team-a/ledger', 'team-b/ledger', 'Rename one.');
    expect(error.message).toBe('Postgres database ledger already belongs to MetroXService team-a/ledger; team-b/ledger cannot share it. Rename one.');
  });
});
