import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../scripts/codegen.ts';

function listing(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  return new Map(files.sort().map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
}

describe('gRPC codegen', () => {
  const out = mkdtempSync(join(tmpdir(), 'metrox-codegen-'));
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('committed generated types match the .proto files (run `npm run codegen -w @metrox/contracts`)', () => {
    generate(out);
    expect(listing(join(import.meta.dirname, 'generated'))).toEqual(listing(out));
  });
});
