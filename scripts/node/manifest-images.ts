// Which image components the committed manifests need on the real node: every image
// a container in k8s/*.yaml (or a MetroXService's spec.image / spec.cipher.image)
// names, matched to the component of scripts/images/components.ts tagged with it.
// Prints the component names a line; names on stderr what nothing here can build
// (Grafana: no stand-in exists, real-node.md). --dev prints the Tiltfile's
// development image of each MetroX component instead of its production one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { components } from '../images/components.ts';

const k8sDir = join(import.meta.dirname, '..', '..', 'k8s');

/** Every string value under a key named `image`, at any depth. */
function imagesIn(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) imagesIn(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'image' && typeof child === 'string') found.add(child);
      else imagesIn(child, found);
    }
  }
  return found;
}

export function manifestImages(dir = k8sDir): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
    for (const document of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) imagesIn(document.toJS(), found);
  }
  return found;
}

export function componentsFor(images: Set<string>, dev: boolean): { components: string[]; unbuildable: string[] } {
  // The manifests name production images; --dev builds each one's development twin where it has one.
  const byImage = new Map<string, string>();
  for (const [name, component] of Object.entries(components)) {
    if (name.startsWith('dev-')) continue;
    byImage.set(component.image, dev && `dev-${name}` in components ? `dev-${name}` : name);
  }
  const chosen: string[] = [];
  const unbuildable: string[] = [];
  for (const image of [...images].sort()) {
    const component = byImage.get(image);
    if (component === undefined) unbuildable.push(image);
    else chosen.push(component);
  }
  return { components: chosen, unbuildable };
}

if (import.meta.main) {
  const { components: chosen, unbuildable } = componentsFor(manifestImages(), process.argv.includes('--dev'));
  if (unbuildable.length > 0) console.error(`[node] no image can be built here for: ${unbuildable.join(', ')}`);
  for (const name of chosen) console.log(name);
}
