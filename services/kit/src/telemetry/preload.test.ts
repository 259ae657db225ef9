// The preload in a real process: with OTEL_SDK_DISABLED=true it must cost nothing, i.e.
// load no SDK or instrumentation module and register no global OpenTelemetry API.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const preload = fileURLToPath(new URL('./preload.ts', import.meta.url));

// Runs first: records every module the process resolves, through require and import alike.
const recorder = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const loaded = (globalThis.__loadedModules = []);
registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); loaded.push(result.url); return result; } });
`)}`;

// Written synchronously: an asynchronous pipe write would be cut short by process.exit.
const report = `
import { writeSync } from 'node:fs';
const otel = Object.getOwnPropertySymbols(globalThis).map(String).filter((name) => name.includes('opentelemetry'));
writeSync(1, JSON.stringify({ modules: globalThis.__loadedModules, otel }) + '\\n');
process.exit(0);
`;

interface Loaded {
  modules: string[];
  /** Global symbols the OpenTelemetry API registers its tracer/meter/propagator providers under. */
  otel: string[];
}

async function startWithPreload(env: Record<string, string>): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', recorder, '--import', preload, '--input-type=module', '-e', report], {
    env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', ...env },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Loaded;
}

const telemetryModules = (modules: string[]) =>
  modules.filter((url) => /@opentelemetry\/|@fastify\/otel|import-in-the-middle|require-in-the-middle/.test(url));

describe('the telemetry preload', () => {
  it('with OTEL_SDK_DISABLED=true loads no OpenTelemetry module and registers no global provider', async () => {
    const loaded = await startWithPreload({ OTEL_SDK_DISABLED: 'true' });
    expect(loaded.modules.some((url) => url.endsWith('/telemetry/preload.ts'))).toBe(true);
    expect(telemetryModules(loaded.modules)).toEqual([]);
    expect(loaded.otel).toEqual([]);
  });

  it('otherwise starts the SDK with its instrumentations and registers the global API', async () => {
    const loaded = await startWithPreload({ OTEL_SDK_DISABLED: 'false' });
    const modules = telemetryModules(loaded.modules);
    expect(modules.some((url) => url.includes('@opentelemetry/sdk-node'))).toBe(true);
    expect(modules.some((url) => url.includes('@opentelemetry/instrumentation-pg'))).toBe(true);
    expect(loaded.otel).toEqual([expect.stringContaining('opentelemetry.js.api')]);
  });
});
