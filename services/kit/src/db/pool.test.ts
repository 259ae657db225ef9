import { describe, expect, it } from 'vitest';
import { statementName } from './pool.ts';

describe('prepared statement names', () => {
  it('say what a statement does to which table, and differ per text', () => {
    expect(statementName('INSERT INTO metrox_outbox (id) VALUES ($1)')).toMatch(/^insert_metrox_outbox_[0-9a-f]{8}$/);
    expect(statementName('WITH row AS (INSERT INTO metrox_outbox (id) VALUES ($1)) SELECT pg_notify($2, $1)')).toMatch(/^insert_metrox_outbox_/);
    expect(statementName("UPDATE transactions SET status = $2 WHERE id = $1 AND status = 'PENDING'")).toMatch(/^update_transactions_/);
    expect(statementName('SELECT id FROM riders WHERE id = $1')).toMatch(/^select_riders_/);
    expect(statementName('SELECT 1')).toMatch(/^select_values_/);
    expect(statementName('SELECT id FROM riders WHERE id = $1')).not.toBe(statementName('SELECT id FROM riders WHERE id = $2'));
  });
});
