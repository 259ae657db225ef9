import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformImages } from '../../../charts/src/support/images.ts';
import { components } from '../components.ts';

// Every upstream image the platform chart names has a stand-in registered under that
// exact reference, whose Dockerfile says so, except Grafana's, which cannot be had here.
const root = join(import.meta.dirname, '..', '..', '..');
const withoutStandIn = new Set<string>([platformImages.grafana]);
const label = (dockerfile: string, name: string) => new RegExp(`${name.replaceAll('.', '\\.')}="([^"]*)"`).exec(dockerfile)?.[1];

describe('stand-in images', () => {
  const upstream = Object.values(platformImages).filter((image) => !withoutStandIn.has(image));

  it.each(upstream)('%s has a stand-in registered under its exact reference', (image) => {
    const registered = Object.entries(components).filter(([, component]) => component.image === image);
    expect(registered).toHaveLength(1);
    const [name, component] = registered[0] ?? ['', undefined];
    expect(component?.dockerfile).toBe(`scripts/images/standins/${name}/Dockerfile`);
    const dockerfile = readFileSync(join(root, component?.dockerfile ?? ''), 'utf8');
    expect(label(dockerfile, 'io.metrox.standin.upstream')).toBe(image);
    expect(label(dockerfile, 'org.opencontainers.image.description')).toMatch(new RegExp(`^MetroX local stand-in for ${image.replaceAll('.', '\\.')}, built from `));
    expect(dockerfile).toMatch(/^ARG DEBIAN_IMAGE=localhost\/metrox\/debian:bookworm\nFROM \$\{DEBIAN_IMAGE\}$/m);
    expect(component?.buildArgs).toHaveProperty('DEBIAN_IMAGE');
  });

  it('has none for Grafana', () => {
    for (const component of Object.values(components)) expect(withoutStandIn.has(component.image)).toBe(false);
  });
});
