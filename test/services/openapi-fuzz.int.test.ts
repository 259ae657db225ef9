// Each running service against its own /openapi.json, fuzzed by Schemathesis with
// every check on: no request, however malformed, gets a 5xx, and every answer (status,
// content type, headers, body) is one the document describes. The seed is fixed, so a
// failure here reproduces with the curl line printed beside it.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceNames } from '../../scripts/local/fleet.ts';
import { startFleet, type Fleet } from './support/fleet.ts';
import { failureDetails, fuzz, installSchemathesis } from './support/schemathesis.ts';

// Seed, examples per operation (bounded for a 2-core machine) and check settings.
const config = join(import.meta.dirname, 'schemathesis.toml');

let runner: string;
let fleet: Fleet;

beforeAll(async () => {
  runner = installSchemathesis();
  fleet = await startFleet();
});

afterAll(async () => {
  await (fleet as Fleet | undefined)?.close(); // undefined when beforeAll failed
});

describe.each(serviceNames)('%s, fuzzed from its own /openapi.json', (service) => {
  it('tests every documented operation with no server error and no answer its document does not describe', { timeout: 240_000 }, async () => {
    const { report, output } = await fuzz(runner, fleet.url(service, '/openapi.json'), config);
    const found = [...report.failures.map((f) => `${f.title} (${f.count}×: ${f.operations.join(', ')})`), ...report.errors.map((e) => `error: ${e.title} (${e.count}×)`)];
    expect(found, `Schemathesis found:\n${found.join('\n')}\n\n${failureDetails(output)}`).toEqual([]);
    expect(report.operations?.tested, `operations tested out of those documented:\n${output}`).toBe(report.operations?.total);
    expect(report.operations?.total).toBeGreaterThan(0);
    expect(report.exit_code, output).toBe(0);
  });
});
