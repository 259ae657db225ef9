// `npm run synth`: writes every rendered manifest under k8s/ and removes YAML files
// no chart produces any more, so k8s/ is exactly the charts' output.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { renderManifests } from './manifests.ts';

export const k8sDir = join(import.meta.dirname, '..', '..', 'k8s');

export function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

export function synth(outDir = k8sDir): string[] {
  const files = renderManifests();
  mkdirSync(outDir, { recursive: true });
  for (const stale of yamlFilesUnder(outDir).filter((file) => !files.has(file))) rmSync(join(outDir, stale));
  for (const [file, text] of files) {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    writeFileSync(join(outDir, file), text);
  }
  return [...files.keys()];
}

if (import.meta.main) {
  const written = synth();
  console.log(`synthesized ${written.length} files into k8s/:\n  ${written.join('\n  ')}`);
}
