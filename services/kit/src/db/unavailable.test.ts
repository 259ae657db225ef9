import { describe, expect, it } from 'vitest';
import { RetryableError } from '../messaging/retry.ts';
import { asDatabaseUnavailable, DatabaseUnavailableError, isDatabaseUnavailable } from './unavailable.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('database unavailability', () => {
  it('is recognised in a terminated backend, a shutdown, a refused or lost connection and a pool timeout', () => {
    expect(isDatabaseUnavailable(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('terminating connection because of crash of another server process', '57P02'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('connection failure', '08006'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('is not a bad statement, a constraint violation or any other error', () => {
    expect(isDatabaseUnavailable(withCode('duplicate key value violates unique constraint', '23505'))).toBe(false);
    expect(isDatabaseUnavailable(withCode('relation "nope" does not exist', '42P01'))).toBe(false);
    expect(isDatabaseUnavailable(withCode('canceling statement due to statement timeout', '57014'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable('Connection terminated')).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });

  it('is found behind a wrapping error', () => {
    expect(isDatabaseUnavailable(new Error('could not load the rider', { cause: withCode('the database system is shutting down', '57P03') }))).toBe(true);
  });

  it('becomes a retryable DatabaseUnavailableError, which says when a COMMIT may have happened', () => {
    const lost = new Error('Connection terminated unexpectedly');
    const wrapped = asDatabaseUnavailable(lost, 'COMMIT');
    expect(wrapped).toBeInstanceOf(DatabaseUnavailableError);
    expect(wrapped).toBeInstanceOf(RetryableError);
    expect((wrapped as Error).message).toContain('may or may not have committed');
    expect((wrapped as Error).cause).toBe(lost);
    const other = new Error('boom');
    expect(asDatabaseUnavailable(other)).toBe(other);
    expect(asDatabaseUnavailable(wrapped)).toBe(wrapped);
  });
});
