import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCharts, chartFiles, chartObjects } from './manifests.ts';

const root = join(import.meta.dirname, '..', '..');
const tiltfile = readFileSync(join(root, 'Tiltfile'), 'utf8');
const quickstart = readFileSync(join(root, 'README.md'), 'utf8');
const charts = buildCharts();
const objects = [charts.crds, charts.platform, charts.operator, charts.metrox].flatMap((chart) => chartObjects(chart));
const services = [...tiltfile.matchAll(/SERVICES = \[([^\]]+)\]/g)].flatMap((match) => (match[1] ?? '').match(/[a-z-]+/g) ?? []);
const named = (kinds: string[]) => objects.filter((object) => kinds.includes(object.kind)).map((object) => object.metadata.name);

describe('the Tiltfile and the Quickstart', () => {
  it('name only workloads and MetroXServices the charts synthesize', () => {
    const resources = [...tiltfile.matchAll(/k8s_resource\(\s*'([^']+)'/g)].map((match) => match[1]);
    expect(services).toEqual(named(['MetroXService']));
    expect(named(['Deployment', 'StatefulSet', 'MetroXService'])).toEqual(expect.arrayContaining([...resources, ...services]));
  });

  it('apply every synthesized chart file, the CRDs first', () => {
    const applied = [...tiltfile.matchAll(/'k8s\/([^']+\.yaml)'/g)].map((match) => match[1]);
    expect(applied).toEqual([chartFiles.crds, chartFiles.platform, chartFiles.operator, chartFiles.metrox]);
  });

  it('build every MetroX image the manifests run', () => {
    // Literal builds (the operator) and the loop over SERVICES.
    expect(tiltfile).toContain("metrox_image(service, 'services', 'services/%s/src/main.ts' % service)");
    const literal = [...tiltfile.matchAll(/metrox_image\('([a-z-]+)'/g)].map((match) => match[1] ?? '');
    const built = new Set([...literal, ...services].map((name) => `ghcr.io/metrox/${name}`));
    const images = JSON.stringify(objects).match(/ghcr\.io\/metrox\/[a-z-]+/g) ?? [];
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(built, image).toContain(image);
  });

  it('port-forward exactly the ports the Quickstart tells people to open', () => {
    const forwarded = [...tiltfile.matchAll(/port_forward\((\d+), (\d+)/g)].map((match) => Number(match[1])).sort((a, b) => a - b);
    expect(forwarded).toEqual([3000, 8080, 9090, 15672, 16686]);
    for (const port of forwarded) expect(quickstart).toContain(`localhost:${port}`);
    expect(quickstart).toContain('kind create cluster --name metrox');
    expect(tiltfile).toContain("allow_k8s_contexts('kind-metrox')");
  });
});
