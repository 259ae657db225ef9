import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderManifests } from './manifests.ts';
import { k8sDir, yamlFilesUnder } from './synth.ts';

describe('committed manifests', () => {
  it('k8s/ is exactly what the charts synthesize (run `npm run synth` when this fails)', () => {
    const rendered = renderManifests();
    expect(yamlFilesUnder(k8sDir), 'files under k8s/').toEqual([...rendered.keys()].sort());
    for (const [file, text] of rendered) {
      expect(readFileSync(join(k8sDir, file), 'utf8'), `k8s/${file} differs from a fresh synth`).toBe(text);
    }
  });
});
