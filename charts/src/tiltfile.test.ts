import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { components, developmentImage } from '../../scripts/images/components.ts';
import { buildCharts, chartFiles, chartObjects } from './manifests.ts';

const root = join(import.meta.dirname, '..', '..');
const tiltfile = readFileSync(join(root, 'Tiltfile'), 'utf8');
const quickstart = readFileSync(join(root, 'README.md'), 'utf8');
const charts = buildCharts();
const objects = [charts.crds, charts.platform, charts.operator, charts.metrox].flatMap((chart) => chartObjects(chart));
const services = [...tiltfile.matchAll(/SERVICES = \[([^\]]+)\]/g)].flatMap((match) => (match[1] ?? '').match(/[a-z-]+/g) ?? []);
const named = (kinds: string[]) => objects.filter((object) => kinds.includes(object.kind)).map((object) => object.metadata.name);
const devDockerfile = readFileSync(join(root, 'dev.Dockerfile'), 'utf8');
const preload = /^PRELOAD = '([^']*)'$/m.exec(tiltfile)?.[1];

interface DevBuild {
  readonly name: string;
  readonly sourceDir: string;
  readonly entry: string;
  readonly nodeFlags: string;
}

/** The Tiltfile's metrox_image() calls: the literal ones and the loop over SERVICES. */
function devBuilds(): DevBuild[] {
  const flags = (argument: string | undefined) => (argument === undefined ? '' : argument === 'PRELOAD' ? (preload ?? 'PRELOAD') : argument.replace(/^'|'$/g, ''));
  const literal = [...tiltfile.matchAll(/^metrox_image\('([a-z-]+)', '([^']+)', '([^']+)'(?:, ([A-Z_]+|'[^']*'))?\)$/gm)].map((match) => ({
    name: match[1] ?? '',
    sourceDir: match[2] ?? '',
    entry: match[3] ?? '',
    nodeFlags: flags(match[4]),
  }));
  const loop = /^for service in SERVICES:\n {4}metrox_image\(service, '([^']+)', '([^']+)' % service(?:, ([A-Z_]+|'[^']*'))?\)$/m.exec(tiltfile);
  const looped = loop === null ? [] : services.map((name) => ({ name, sourceDir: loop[1] ?? '', entry: (loop[2] ?? '').replace('%s', name), nodeFlags: flags(loop[3]) }));
  return [...literal, ...looped];
}

/** The modules a Node command line preloads (`--import`). */
const importsOf = (argv: readonly string[]) => argv.flatMap((arg, i) => (arg === '--import' ? [argv[i + 1] ?? ''] : arg.startsWith('--import=') ? [arg.slice('--import='.length)] : []));
const imports = (flags: string) => importsOf(flags.split(/\s+/));

/** The modules a production image's Node command preloads. */
function productionImports(dockerfile: string): string[] {
  const command = /^(?:CMD|ENTRYPOINT) (\[.*\])$/m.exec(readFileSync(join(root, dockerfile), 'utf8'))?.[1];
  return importsOf(command === undefined ? [] : (JSON.parse(command) as string[]));
}

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
    // Literal builds (the operator, the cipher) and the loop over SERVICES.
    expect(tiltfile).toContain("metrox_image(service, 'services', 'services/%s/src/main.ts' % service, PRELOAD)");
    expect(tiltfile).toMatch(/def metrox_image\(name, [^)]*\):\n {4}docker_build\(\n {8}'ghcr\.io\/metrox\/' \+ name,/);
    const built = new Set(devBuilds().map((build) => `ghcr.io/metrox/${build.name}`));
    const images = JSON.stringify(objects).match(/ghcr\.io\/metrox\/[a-z-]+/g) ?? [];
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(built, image).toContain(image);
  });

  it('build them from dev.Dockerfile, with the args scripts/images/build.sh uses', () => {
    expect(tiltfile).toContain("dockerfile='dev.Dockerfile',");
    expect(tiltfile).toContain("build_args={'SOURCE_DIR': source_dir, 'ENTRY': entry, 'NODE_FLAGS': node_flags},");
    expect(tiltfile).toContain("read_file('dev.Dockerfile.dockerignore')");
    expect(tiltfile).not.toContain('dockerfile_contents');
    const builds = devBuilds();
    expect(builds.length).toBeGreaterThan(0);
    for (const build of builds) {
      const component = components[`dev-${build.name}`];
      expect(component, build.name).toBeDefined();
      expect(component?.dockerfile).toBe('dev.Dockerfile');
      expect(component?.image).toBe(developmentImage(build.name));
      expect(component?.buildArgs).toMatchObject({ SOURCE_DIR: build.sourceDir, ENTRY: build.entry, NODE_FLAGS: build.nodeFlags });
      expect(existsSync(join(root, build.entry)), build.entry).toBe(true);
      expect(build.entry.startsWith(`${build.sourceDir}/`), build.entry).toBe(true);
    }
    expect(Object.keys(components).filter((name) => name.startsWith('dev-')).sort()).toEqual(builds.map((build) => `dev-${build.name}`).sort());
  });

  it('start each development image with the preloads of its production image', () => {
    // E.g. the services' telemetry preload: without it a dev pass sends no traces.
    for (const build of devBuilds()) {
      const production = components[build.name];
      expect(production, build.name).toBeDefined();
      expect(imports(build.nodeFlags), build.name).toEqual(productionImports(production?.dockerfile ?? ''));
    }
    expect(productionImports('services/transaction/Dockerfile')).toEqual(['@metrox/kit/preload']);
  });

  it('install from every workspace manifest in the development recipe', () => {
    const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    const copied = [...devDockerfile.matchAll(/^COPY (\S+)\/package\.json \1\/$/gm)].map((match) => match[1]);
    expect(copied.sort()).toEqual([...workspaces].sort());
    expect(tiltfile).toContain("WORKSPACES = read_json('package.json')['workspaces']");
  });

  it('send the build the shared packages the development recipe copies, and those hold every workspace the operator imports', () => {
    const shared = [...devDockerfile.matchAll(/^COPY --chown=\S+ (\S+)\/ \1\/$/gm)].map((match) => match[1] ?? '');
    const listed = /^SHARED = \[([^\]]*)\]/m.exec(tiltfile)?.[1]?.split(',').map((item) => item.trim().replaceAll("'", '')) ?? [];
    expect(shared.sort()).toEqual([...listed].sort());
    // The operator's image has its own sources (SOURCE_DIR=operator) and the shared ones.
    const workspaceOf = (name: string) => (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces
      .find((dir) => (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string }).name === name);
    const operatorDependencies = Object.keys((JSON.parse(readFileSync(join(root, 'operator', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    for (const name of operatorDependencies.filter((dependency) => dependency.startsWith('@metrox/'))) expect(shared, name).toContain(workspaceOf(name));
  });

  it('port-forward exactly the ports the Quickstart tells people to open', () => {
    const forwarded = [...tiltfile.matchAll(/port_forward\((\d+), (\d+)/g)].map((match) => Number(match[1])).sort((a, b) => a - b);
    expect(forwarded).toEqual([3000, 8080, 9090, 9093, 15672, 16686]);
    for (const port of forwarded) expect(quickstart).toContain(`localhost:${port}`);
    expect(quickstart).toContain('kind create cluster --name metrox');
    expect(tiltfile).toContain("allow_k8s_contexts('kind-metrox')");
  });
});
