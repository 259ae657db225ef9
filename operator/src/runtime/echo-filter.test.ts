import { describe, expect, it } from 'vitest';
import { echoKey, WriteEchoes } from './echo-filter.ts';

const key = echoKey('Deployment', 'shop', 'payment');

describe('telling the echo of our own write from other changes', () => {
  it('absorbs the watch event of a version we wrote when it comes after the answer, once', () => {
    const echoes = new WriteEchoes();
    echoes.begin(key);
    expect(echoes.end(key, '10')).toBe(false);
    expect(echoes.absorbs(key, '10')).toBe(true);
    // Somebody's later edit of the same object is a change to reconcile.
    expect(echoes.absorbs(key, '11')).toBe(false);
  });

  it('holds an event that arrives before the answer, and the answer shows it was ours', () => {
    const echoes = new WriteEchoes();
    echoes.begin(key);
    expect(echoes.absorbs(key, '10')).toBe(true);
    expect(echoes.end(key, '10')).toBe(false);
    // Nothing left to absorb: the next event is somebody else's.
    expect(echoes.absorbs(key, '12')).toBe(false);
  });

  it('reports another version seen during the write, so the owner is reconciled again', () => {
    const echoes = new WriteEchoes();
    echoes.begin(key);
    echoes.absorbs(key, '9'); // an edit that landed just before our write
    expect(echoes.end(key, '10')).toBe(true);
    expect(echoes.absorbs(key, '10')).toBe(true);
  });

  it('after a failed write, reports what the watch delivered meanwhile and expects no echo', () => {
    const echoes = new WriteEchoes();
    echoes.begin(key);
    expect(echoes.end(key, undefined)).toBe(false);
    expect(echoes.absorbs(key, '10')).toBe(false);
    echoes.begin(key);
    echoes.absorbs(key, '11');
    expect(echoes.end(key, undefined)).toBe(true);
  });

  it('does not absorb events of objects it never wrote, or of a deleted one', () => {
    const echoes = new WriteEchoes();
    expect(echoes.absorbs(echoKey('Service', 'shop', 'payment'), '3')).toBe(false);
    echoes.begin(key);
    echoes.end(key, '10');
    echoes.forget(key);
    expect(echoes.absorbs(key, '10')).toBe(false);
  });
});
