// Pure: prices a journey on a fare network, or says exactly what is wrong with the request.
import type { FareNetwork, Station } from './network.ts';

export interface FareQuote {
  from: Station;
  to: Station;
  zonesTravelled: number;
  fareCents: number;
  currency: string;
}

export interface FareProblem {
  /** The request field at fault, for a problem+json `errors` entry. */
  field: 'fromStation' | 'toStation';
  message: string;
}

export type FareResult = { ok: true; quote: FareQuote } | { ok: false; problems: FareProblem[] };

export function quoteFare(network: FareNetwork, fromStation: string, toStation: string): FareResult {
  const from = network.station(fromStation);
  const to = network.station(toStation);
  const problems: FareProblem[] = [];
  if (!from) problems.push({ field: 'fromStation', message: `unknown station "${fromStation}"` });
  if (!to) problems.push({ field: 'toStation', message: `unknown station "${toStation}"` });
  if (!from || !to) return { ok: false, problems };
  if (from.id === to.id) return { ok: false, problems: [{ field: 'toStation', message: 'toStation must differ from fromStation' }] };
  const zonesTravelled = Math.abs(from.zone - to.zone) + 1;
  const fareCents = network.fareForZones(zonesTravelled);
  if (fareCents === undefined) throw new Error(`network has no fare for ${zonesTravelled} zones`); // createNetwork rules this out
  return { ok: true, quote: { from, to, zonesTravelled, fareCents, currency: network.currency } };
}
