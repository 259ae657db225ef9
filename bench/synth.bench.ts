// How long `npm run synth` takes: what a developer (and Tilt, on every chart edit)
// waits for. A fresh Node process end to end (module loading included), and the
// in-process render alone once warm.
//
//   npm run bench -- synth
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { renderManifests } from '@metrox/charts';
import { benchRuns, metric, writeBenchResult } from './result.ts';

const root = join(import.meta.dirname, '..');
const warmRenders = 20;

function freshProcessMs(): number {
  const started = performance.now();
  const child = spawnSync(process.execPath, [join(root, 'charts/src/synth.ts')], { cwd: root, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`synth failed:\n${child.stderr}`);
  return performance.now() - started;
}

function warmRenderMs(): number {
  renderManifests();
  const started = performance.now();
  for (let i = 0; i < warmRenders; i++) renderManifests();
  return (performance.now() - started) / warmRenders;
}

const fresh: number[] = [];
const warm: number[] = [];
for (let run = 0; run < benchRuns(); run++) {
  fresh.push(freshProcessMs());
  warm.push(warmRenderMs());
  console.error(`[synth] run ${run + 1}: fresh process ${fresh.at(-1)?.toFixed(0)} ms, warm render ${warm.at(-1)?.toFixed(1)} ms`);
}

const files = renderManifests();
const bytes = [...files.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
const objects = [...files.values()].reduce((sum, text) => sum + (text.match(/^kind: /gm)?.length ?? 0), 0);
writeBenchResult({
  area: 'synth',
  benchmark: 'charts to k8s manifests',
  metrics: [
    metric('npm run synth, fresh Node process', 'ms', fresh),
    metric('render of every chart and example, warm', 'ms', warm),
  ],
  notes: `${files.size} files, ${objects} objects, ${(bytes / 1024).toFixed(0)} KiB of YAML. Fresh process: node charts/src/synth.ts (type stripping, cdk8s and cdk8s-plus-28 loaded), unchanged files not rewritten. Warm: mean of ${warmRenders} renderManifests() calls per run.`,
  command: 'npm run bench -- synth',
});
