import { describe, expect, it } from 'vitest';
import { quoteFare } from './fare.ts';
import { createNetwork, loadNetwork } from './network.ts';

const kochi = loadNetwork();

describe('fare network', () => {
  it('ships a real line: 25 Kochi Metro stations in 5 zones, priced in INR', () => {
    expect(kochi.stations).toHaveLength(25);
    expect(kochi.currency).toBe('INR');
    expect(kochi.station('mg-road')?.name).toBe('M.G. Road');
  });

  it('a journey within one zone costs the base fare', () => {
    const result = quoteFare(kochi, 'aluva', 'muttom');
    expect(result).toMatchObject({ ok: true, quote: { zonesTravelled: 1, fareCents: 1000, currency: 'INR' } });
  });

  it('the fare grows with the zones travelled and is the same in both directions', () => {
    const there = quoteFare(kochi, 'aluva', 'tripunithura');
    const back = quoteFare(kochi, 'tripunithura', 'aluva');
    expect(there).toMatchObject({ ok: true, quote: { zonesTravelled: 5, fareCents: 5000 } });
    expect(back).toEqual(there.ok ? { ok: true, quote: { ...there.quote, from: there.quote.to, to: there.quote.from } } : there);
  });

  it('unknown stations are named, each against its field', () => {
    expect(quoteFare(kochi, 'atlantis', 'el-dorado')).toEqual({
      ok: false,
      problems: [
        { field: 'fromStation', message: 'unknown station "atlantis"' },
        { field: 'toStation', message: 'unknown station "el-dorado"' },
      ],
    });
  });

  it('a journey must go somewhere', () => {
    expect(quoteFare(kochi, 'kaloor', 'kaloor')).toEqual({
      ok: false,
      problems: [{ field: 'toStation', message: 'toStation must differ from fromStation' }],
    });
  });

  it('rejects data that would misprice a ticket', () => {
    const base = {
      name: 'x',
      currency: 'INR',
      zones: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
      fares: [{ zonesTravelled: 1, fareCents: 100 }],
      stations: [{ id: 'a', name: 'A', zone: 1 }, { id: 'b', name: 'B', zone: 2 }],
    };
    expect(() => createNetwork(base)).toThrow('no fare for a journey across 2 zone(s)');
    expect(() => createNetwork({ ...base, stations: [{ id: 'a', name: 'A', zone: 1 }, { id: 'a', name: 'A', zone: 1 }] })).toThrow(
      'listed twice',
    );
    expect(() => createNetwork({ ...base, stations: [{ id: 'a', name: 'A', zone: 1 }, { id: 'c', name: 'C', zone: 9 }] })).toThrow(
      'unknown zone 9',
    );
  });
});
