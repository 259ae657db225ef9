// Realistic purchase data, reproducible from a seed: many riders (a few of them
// commuters who buy far more often than the rest), journeys between two different
// stations of the fare network, and a payment-method mix.

export type PaymentMethod = 'upi' | 'card' | 'wallet';
export const paymentMethods: readonly PaymentMethod[] = ['upi', 'card', 'wallet'];

export interface Purchase {
  riderId: string;
  fromStation: string;
  toStation: string;
  paymentMethod: PaymentMethod;
}

export type MethodMix = Readonly<Record<PaymentMethod, number>>;

/** UPI dominates metro ticketing in India; cards and wallets share the rest. */
export const defaultMethodMix: MethodMix = { upi: 0.6, card: 0.25, wallet: 0.15 };

/** A seeded uniform generator in [0, 1) (mulberry32): small, fast, reproducible. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Parses `upi=0.6,card=0.3,wallet=0.1` (weights, normalised; unnamed methods get 0). */
export function parseMethodMix(text: string): MethodMix {
  const mix: Record<PaymentMethod, number> = { upi: 0, card: 0, wallet: 0 };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = part.split('=').map((p) => p.trim());
    if (name === undefined || value === undefined || !paymentMethods.includes(name as PaymentMethod)) {
      throw new Error(`payment mix: "${part}" is not method=weight with method one of ${paymentMethods.join(', ')}`);
    }
    const weight = Number(value);
    if (!Number.isFinite(weight) || weight < 0) throw new Error(`payment mix: weight of ${name} must be a number ≥ 0, got "${value}"`);
    mix[name as PaymentMethod] = weight;
  }
  const total = mix.upi + mix.card + mix.wallet;
  if (total <= 0) throw new Error('payment mix: at least one method needs a weight above 0');
  return { upi: mix.upi / total, card: mix.card / total, wallet: mix.wallet / total };
}

export function riderId(index: number): string {
  return `rider-${String(index).padStart(6, '0')}`;
}

export interface PurchaseGeneratorOptions {
  stations: readonly string[];
  riders: number;
  methods: MethodMix;
  random: () => number;
}

export function createPurchaseGenerator(options: PurchaseGeneratorOptions): () => Purchase {
  const { stations, riders, methods, random } = options;
  if (new Set(stations).size < 2) throw new Error('purchases need at least two different stations');
  if (!Number.isInteger(riders) || riders < 1) throw new Error(`riders must be a whole number ≥ 1, got ${riders}`);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return () => {
    // Squaring skews the pick toward low indexes: rider-000000 is a daily commuter,
    // rider-009999 an occasional visitor, as in real fare-collection data.
    const rider = Math.floor(random() ** 2 * riders);
    const fromStation = pick(stations);
    let toStation = pick(stations);
    while (toStation === fromStation) toStation = pick(stations);
    const draw = random();
    const paymentMethod: PaymentMethod = draw < methods.upi ? 'upi' : draw < methods.upi + methods.card ? 'card' : 'wallet';
    return { riderId: riderId(rider), fromStation, toStation, paymentMethod };
  };
}
