// Plans image builds for scripts/images/build.sh: for each component named on the
// command line, one tab-separated line
//   <component> <image> <hash> <dockerfile> <context> <ignorefile or -> <KEY=VALUE>...
// where <hash> covers everything the build reads (see components.ts). <dockerfile> is
// the component's own, or, when it declares ARGs inside a stage, a copy with their
// values as labels (context.ts, withArgLabels) written to $METROX_DOCKERFILES_DIR.
// With --list, prints the names of the registered components instead; with --explain,
// also every input of the hash on stderr.
//
// Usage: node scripts/images/plan.ts <component>...   (Node 24: run by build.sh)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { components, type Component } from './components.ts';
import { contextFiles, dockerfileInputs, fileDigest, ignoreRules, sha256, withArgLabels } from './context.ts';

// Bump when the way images are built changes in a way the inputs below do not show.
const engineVersion = 'metrox-images v2';
const root = join(import.meta.dirname, '..', '..');

/** The id of a local image (buildah's storage), or an error naming the missing base. */
function imageId(reference: string): string {
  try {
    return execFileSync('buildah', ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', reference], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new Error(`the base image ${reference} is not in buildah's storage (builds never pull: build it first)`);
  }
}

function ignorefileOf(component: Component, context: string): string | undefined {
  if (component.ignorefile !== undefined) return component.ignorefile;
  const candidates = [`${component.dockerfile}.dockerignore`, join(context, '.dockerignore')];
  return candidates.find((candidate) => existsSync(join(root, candidate)));
}

export function plan(name: string, component: Component, explain = false): string {
  const context = relative(root, join(root, component.context ?? '.')) || '.';
  const ignorefile = ignorefileOf(component, context);
  const dockerfile = readFileSync(join(root, component.dockerfile), 'utf8');
  const ignores = ignorefile === undefined ? '' : readFileSync(join(root, ignorefile), 'utf8');
  const buildArgs = component.buildArgs ?? {};
  const inputs = dockerfileInputs(dockerfile, buildArgs);
  const contextDir = join(root, context);
  const { files, unresolved } = contextFiles(contextDir, inputs.sources, ignoreRules(ignores));
  const lines = [
    engineVersion,
    `image ${component.image}`,
    `dockerfile ${sha256(dockerfile)}`,
    `ignorefile ${ignorefile === undefined ? 'none' : sha256(ignores)}`,
    ...Object.entries(buildArgs)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => `arg ${key}=${JSON.stringify(value)}`),
    ...inputs.bases.map((base) => `base ${base} ${imageId(base)}`),
    ...unresolved.map((source) => `unresolved ${JSON.stringify(source)}`),
    ...files.map((entry) => fileDigest(contextDir, entry)),
  ];
  if (explain) console.error(lines.map((line) => `${name}: ${line}`).join('\n'));
  const hash = sha256(lines.join('\n')).slice(0, 20);
  const args = Object.entries(buildArgs).map(([key, value]) => `${key}=${value}`);
  let build = component.dockerfile;
  const labelled = withArgLabels(dockerfile, buildArgs);
  const dir = process.env.METROX_DOCKERFILES_DIR;
  if (labelled !== dockerfile && dir !== undefined) {
    build = join(dir, `${name}.Dockerfile`);
    writeFileSync(build, labelled);
  }
  return [name, component.image, hash, build, context, ignorefile ?? '-', ...args].join('\t');
}

if (import.meta.main) {
  const names = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  if (process.argv.includes('--list')) {
    console.log(Object.keys(components).join('\n'));
  } else if (process.argv.includes('--staged')) {
    // The named components whose context is staged under .metrox/ (standins/prepare.sh).
    for (const name of names) if (components[name]?.context?.startsWith('.metrox/') === true) console.log(name);
  } else {
    const selected = names.flatMap((name) => {
      const component = components[name];
      return component === undefined ? [] : [{ name, component }];
    });
    const unknown = names.filter((name) => components[name] === undefined);
    if (unknown.length > 0 || names.length === 0) {
      console.error(`unknown component(s): ${unknown.join(' ') || '(none given)'}; known: ${Object.keys(components).join(' ')}`);
      process.exit(2);
    }
    try {
      for (const { name, component } of selected) console.log(plan(name, component, process.argv.includes('--explain')));
    } catch (error) {
      console.error((error as Error).message);
      process.exit(1);
    }
  }
}
