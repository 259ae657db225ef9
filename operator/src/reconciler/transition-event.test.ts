import { describe, expect, it } from 'vitest';
import { withDefaults } from '../api/defaults.ts';
import type { MetroXService } from '../api/metroxservice.ts';
import { eventName, transitionEvent } from './transition-event.ts';

// The API server's rule for object names (an RFC 1123 subdomain).
const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const at = new Date('2026-11-24T12:00:00.123Z');

const mxs: MetroXService = {
  apiVersion: 'metrox.io/v1alpha1',
  kind: 'MetroXService',
  metadata: { name: 'payment', namespace: 'shop', uid: 'u-1', generation: 1 },
  spec: withDefaults({ image: 'img:1' }),
};

describe('eventName', () => {
  it('is a valid object name made of the regarding name and the time', () => {
    const name = eventName('payment', at, 0);
    expect(name).toMatch(subdomain);
    expect(name).toBe(`payment.${(BigInt(at.getTime()) * 1_000_000n).toString(16)}`);
  });

  it('tells apart Events of the same millisecond', () => {
    expect(eventName('payment', at, 1)).not.toBe(eventName('payment', at, 2));
  });

  it('stays a valid name within 253 characters for the longest names', () => {
    for (const regarding of ['a'.repeat(253), `${'a'.repeat(230)}${'-'.repeat(23)}`]) {
      const name = eventName(regarding, at, 7);
      expect(name.length).toBeLessThanOrEqual(253);
      expect(name).toMatch(subdomain);
    }
  });
});

describe('transitionEvent', () => {
  it('reports a failing condition as a Warning about the MetroXService', () => {
    const event = transitionEvent(mxs, { type: 'DatabaseReady', status: 'False', reason: 'DatabaseUnreachable', message: 'Postgres is down.', lastTransitionTime: '2026-11-24T12:00:00Z', observedGeneration: 1 }, 'op-1', at, 0);
    expect(event).toMatchObject({
      metadata: { namespace: 'shop' },
      eventTime: '2026-11-24T12:00:00.123000Z',
      reason: 'DatabaseUnreachable',
      note: 'DatabaseReady=False: Postgres is down.',
      type: 'Warning',
      regarding: { kind: 'MetroXService', name: 'payment', namespace: 'shop', uid: 'u-1' },
    });
  });

  it('keeps the note within the 1 KiB the API server allows, counted in bytes', () => {
    const long = { type: 'DatabaseReady' as const, status: 'False' as const, reason: 'DatabaseUnreachable', message: 'é'.repeat(1000), lastTransitionTime: '2026-11-24T12:00:00Z', observedGeneration: 1 };
    const { note } = transitionEvent(mxs, long, 'op-1', at, 0);
    expect(Buffer.byteLength(note)).toBeLessThanOrEqual(1024);
    expect(note).toMatch(/^DatabaseReady=False: é+$/);
  });
});
