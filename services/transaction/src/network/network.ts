// The fare network as data: stations, the zone each belongs to, and the fare for the
// number of zones a journey touches. Loaded and checked once at start-up, so a bad
// data file stops the service with a message instead of mispricing tickets.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const NetworkFile = z.object({
  name: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/),
  zones: z.array(z.object({ id: z.number().int().positive(), name: z.string().min(1) })).min(1),
  fares: z.array(z.object({ zonesTravelled: z.number().int().positive(), fareCents: z.number().int().nonnegative() })).min(1),
  stations: z
    .array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), name: z.string().min(1), zone: z.number().int().positive() }))
    .min(2),
});

export type NetworkData = z.infer<typeof NetworkFile>;
export type Station = NetworkData['stations'][number];

export interface FareNetwork {
  readonly name: string;
  readonly currency: string;
  readonly stations: readonly Station[];
  station(id: string): Station | undefined;
  /** The fare for a journey touching `zonesTravelled` zones (1 = within one zone). */
  fareForZones(zonesTravelled: number): number | undefined;
}

/** Pure: validates the data (unique ids, known zones, a fare for every possible journey). */
export function createNetwork(input: unknown): FareNetwork {
  const data = NetworkFile.parse(input);
  const zoneIds = new Set(data.zones.map((zone) => zone.id));
  const stations = new Map<string, Station>();
  for (const station of data.stations) {
    if (stations.has(station.id)) throw new Error(`network: station ${station.id} is listed twice`);
    if (!zoneIds.has(station.zone)) throw new Error(`network: station ${station.id} is in unknown zone ${station.zone}`);
    stations.set(station.id, station);
  }
  const fares = new Map(data.fares.map((fare) => [fare.zonesTravelled, fare.fareCents]));
  const zoneNumbers = [...zoneIds];
  const widest = Math.max(...zoneNumbers) - Math.min(...zoneNumbers) + 1;
  for (let zones = 1; zones <= widest; zones++) {
    if (!fares.has(zones)) throw new Error(`network: no fare for a journey across ${zones} zone(s)`);
  }
  return {
    name: data.name,
    currency: data.currency,
    stations: data.stations,
    station: (id) => stations.get(id),
    fareForZones: (zonesTravelled) => fares.get(zonesTravelled),
  };
}

export function loadNetwork(file: URL | string = new URL('./kochi-metro.json', import.meta.url)): FareNetwork {
  return createNetwork(JSON.parse(readFileSync(file, 'utf8')));
}
