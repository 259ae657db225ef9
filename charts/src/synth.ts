// `npm run synth`: writes every rendered manifest under k8s/ and removes YAML files
// no chart produces any more, so k8s/ is exactly the charts' output.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
    const path = join(outDir, file);
    // Unchanged files are not touched: Tilt watches k8s/ and would reload for nothing.
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return [...files.keys()];
}

if (import.meta.main) {
  const written = synth();
  console.log(`synthesized ${written.length} files into k8s/:\n  ${written.join('\n  ')}`);
}
