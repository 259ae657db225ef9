// The operator's image runs the bundle with the Node flags the tests and the benchmark use.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageNodeFlags } from './src/testing/operator-process.ts';

describe('the operator image', () => {
  it('runs the bundle with the same Node flags as the tests and the benchmark', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', import.meta.url), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(entrypoint && (JSON.parse(entrypoint) as string[])).toEqual(['node', ...imageNodeFlags, 'operator/dist/operator.mjs']);
  });
});
