import { describe, expect, it } from 'vitest';
import { createPurchaseGenerator, createRandom, defaultMethodMix, parseMethodMix, riderId } from './data.ts';
import { stationIdsFromFile, stationIdsOf } from './network.ts';

const stations = ['aluva', 'edapally', 'kaloor', 'vyttila'];

describe('purchase data', () => {
  it('is reproducible from its seed', () => {
    const a = createPurchaseGenerator({ stations, riders: 1000, methods: defaultMethodMix, random: createRandom(42) });
    const b = createPurchaseGenerator({ stations, riders: 1000, methods: defaultMethodMix, random: createRandom(42) });
    const c = createPurchaseGenerator({ stations, riders: 1000, methods: defaultMethodMix, random: createRandom(43) });
    const first = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(first);
    expect(Array.from({ length: 20 }, c)).not.toEqual(first);
  });

  it('journeys go between two different known stations, by many riders, with the payment mix asked for', () => {
    const next = createPurchaseGenerator({ stations, riders: 10_000, methods: parseMethodMix('upi=6,card=3,wallet=1'), random: createRandom(7) });
    const purchases = Array.from({ length: 20_000 }, next);
    expect(purchases.filter((p) => p.fromStation === p.toStation)).toEqual([]);
    expect(purchases.filter((p) => !stations.includes(p.fromStation) || !stations.includes(p.toStation))).toEqual([]);
    expect(purchases.filter((p) => !/^rider-\d{6}$/.test(p.riderId))).toEqual([]);
    const riders = new Set(purchases.map((p) => p.riderId));
    expect(riders.size).toBeGreaterThan(3000);
    expect(riders.size).toBeLessThanOrEqual(10_000);
    const share = (method: string) => purchases.filter((p) => p.paymentMethod === method).length / purchases.length;
    expect(share('upi')).toBeCloseTo(0.6, 1);
    expect(share('card')).toBeCloseTo(0.3, 1);
    expect(share('wallet')).toBeCloseTo(0.1, 1);
  });

  it('frequent riders buy more often than occasional ones', () => {
    const next = createPurchaseGenerator({ stations, riders: 100, methods: defaultMethodMix, random: createRandom(1) });
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = next().riderId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.get(riderId(0)) ?? 0).toBeGreaterThan(3 * (counts.get(riderId(99)) ?? 0));
  });

  it('a payment mix with an unknown method or no weight is refused with the reason', () => {
    expect(() => parseMethodMix('cash=1')).toThrow('method one of upi, card, wallet');
    expect(() => parseMethodMix('upi=-1')).toThrow('must be a number ≥ 0');
    expect(() => parseMethodMix('upi=0')).toThrow('at least one method');
    expect(parseMethodMix('wallet=2')).toEqual({ upi: 0, card: 0, wallet: 1 });
  });

  it('needs two stations and at least one rider', () => {
    expect(() => createPurchaseGenerator({ stations: ['aluva', 'aluva'], riders: 1, methods: defaultMethodMix, random: Math.random })).toThrow('two different stations');
    expect(() => createPurchaseGenerator({ stations, riders: 0, methods: defaultMethodMix, random: Math.random })).toThrow('riders');
  });
});

describe('stations from the fare network', () => {
  it('are the ids the transaction service prices', () => {
    const ids = stationIdsFromFile();
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stationIdsOf({ stations: [{ id: 'a' }, { id: 'b' }] })).toEqual(['a', 'b']);
  });

  it('a document without station ids is refused', () => {
    expect(() => stationIdsOf({})).toThrow('no "stations" array');
    expect(() => stationIdsOf({ stations: [{ name: 'x' }] })).toThrow('station #0 has no id');
    expect(() => stationIdsFromFile('/nonexistent/network.json')).toThrow('--stations');
  });
});
