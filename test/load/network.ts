// Stations come from the fare network the transaction service prices with, so the
// load uses real journeys and never trips the "unknown station" check.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const defaultNetworkFile = fileURLToPath(new URL('../../services/transaction/src/network/kochi-metro.json', import.meta.url));

/** Pure: the station ids of a fare network document (`{ stations: [{ id }] }`). */
export function stationIdsOf(network: unknown): string[] {
  const stations = (network as { stations?: unknown } | null)?.stations;
  if (!Array.isArray(stations)) throw new Error('fare network: no "stations" array');
  return stations.map((station: unknown, index) => {
    const id = (station as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id === '') throw new Error(`fare network: station #${index} has no id`);
    return id;
  });
}

export function stationIdsFromFile(file: string = defaultNetworkFile): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the fare network ${file} (pass --stations a,b,c instead): ${(error as Error).message}`, { cause: error });
  }
  return stationIdsOf(JSON.parse(text));
}
