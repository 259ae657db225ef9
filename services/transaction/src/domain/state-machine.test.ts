import { describe, expect, it } from 'vitest';
import { decide } from './state-machine.ts';

describe('transaction state machine', () => {
  it('a pending purchase is confirmed by a confirmed payment', () => {
    expect(decide('PENDING', { status: 'CONFIRMED' })).toEqual({ kind: 'move', to: 'CONFIRMED' });
  });

  it('a pending purchase fails with the payment failure reason', () => {
    expect(decide('PENDING', { status: 'FAILED', reason: 'card declined' })).toEqual({
      kind: 'move',
      to: 'FAILED',
      reason: 'card declined',
    });
  });

  it('the same outcome twice is a duplicate, not a second move', () => {
    expect(decide('CONFIRMED', { status: 'CONFIRMED' })).toEqual({ kind: 'duplicate' });
    expect(decide('FAILED', { status: 'FAILED', reason: 'again' })).toEqual({ kind: 'duplicate' });
  });

  it('a final state never flips to the other outcome', () => {
    expect(decide('CONFIRMED', { status: 'FAILED', reason: 'late decline' })).toEqual({
      kind: 'illegal',
      message: 'a CONFIRMED transaction cannot become FAILED',
    });
    expect(decide('FAILED', { status: 'CONFIRMED' })).toMatchObject({ kind: 'illegal' });
  });
});
