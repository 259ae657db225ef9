import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextFiles, dockerfileInputs, expand, ignoreRules, withArgLabels } from './context.ts';

describe('what an image build reads', () => {
  it('takes the FROM images and the COPY sources, build args substituted, stage copies left out', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1',
      'ARG NODE_IMAGE=node:24-alpine',
      'FROM ${NODE_IMAGE} AS deps',
      'ARG SOURCE_DIR=src',
      'COPY package.json \\',
      '     package-lock.json ./',
      'RUN npm ci',
      'FROM $NODE_IMAGE',
      'ENV APP=services/app',
      'COPY --from=deps /app/node_modules ./node_modules',
      'COPY --chown=1000:1000 ${APP}/ ${APP}/',
      'COPY ["with space/a.txt", "/b"]',
      'COPY --from=docker.io/library/busybox:1 /bin/sh /bin/sh',
    ].join('\n');
    expect(dockerfileInputs(dockerfile, { NODE_IMAGE: 'localhost/metrox/node:24' })).toEqual({
      bases: ['localhost/metrox/node:24', 'docker.io/library/busybox:1'],
      sources: ['package.json', 'package-lock.json', 'services/app/', 'with space/a.txt'],
    });
    expect(dockerfileInputs(dockerfile, {}).bases[0]).toBe('node:24-alpine');
    expect(dockerfileInputs('FROM scratch\nARG X\nCOPY ${X:-dflt} /\n', {}).sources).toEqual(['dflt']);
  });

  it('labels the values of the ARGs inside stages, so the layer cache tells builds apart', () => {
    const dockerfile = ['ARG BASE=debian', 'FROM ${BASE}', 'RUN true', 'ARG ENTRY \\', '    FLAGS=', 'ARG QUOTED', 'ENV E=${ENTRY}'].join('\n');
    expect(withArgLabels(dockerfile, { ENTRY: 'a/main.ts', QUOTED: 'say "$HOME"' }).split('\n')).toEqual([
      'ARG BASE=debian',
      'FROM ${BASE}',
      'RUN true',
      'ARG ENTRY \\',
      '    FLAGS=',
      'LABEL "io.metrox.build-arg.ENTRY"="a/main.ts"',
      'LABEL "io.metrox.build-arg.FLAGS"=""',
      'ARG QUOTED',
      'LABEL "io.metrox.build-arg.QUOTED"="say \\"\\$HOME\\""',
      'ENV E=${ENTRY}',
    ]);
    expect(withArgLabels('ARG X=1\nFROM x\n', {})).toBe('ARG X=1\nFROM x\n');
  });

  it('expands variables the way the builder does', () => {
    expect(expand('${A}/$B/${C:-c}/${A:+set}/${D:+x}', { A: 'a', B: 'b' })).toBe('a/b/c/set/');
  });

  it('follows .dockerignore rules: ** for any directories, parents match, ! brings back, last rule wins', () => {
    const rules = ignoreRules(['# comment', '**/node_modules', '**/*.test.ts', 'docs', '!docs/keep.md', '/build/'].join('\n'));
    expect(rules.excludes('node_modules/x/index.js')).toBe(true);
    expect(rules.excludes('services/kit/node_modules/y.js')).toBe(true);
    expect(rules.excludes('a/b/c.test.ts')).toBe(true);
    expect(rules.excludes('c.test.ts')).toBe(true);
    expect(rules.excludes('a/b/c.ts')).toBe(false);
    expect(rules.excludes('docs/other.md')).toBe(true);
    expect(rules.excludes('docs/keep.md')).toBe(false);
    expect(rules.excludes('build/out.js')).toBe(true);
    expect(rules.excludes('src/build/out.js')).toBe(false);
    expect(rules.hasExceptions).toBe(true);
  });

  const root = mkdtempSync(join(tmpdir(), 'metrox-context-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('lists the context files the sources take, without ignored ones', () => {
    for (const file of ['package.json', 'app/src/main.ts', 'app/src/main.test.ts', 'app/node_modules/x.js', 'other/file.ts', 'cfg/a.json', 'cfg/b.yaml']) {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), file);
    }
    const rules = ignoreRules('**/node_modules\n**/*.test.ts\n');
    const { files, unresolved } = contextFiles(root, ['package.json', 'app/', 'cfg/*.json', 'missing.txt', 'https://example.org/x'], rules);
    expect(files.map((file) => file.path)).toEqual(['app/src/main.ts', 'cfg/a.json', 'package.json']);
    expect(unresolved).toEqual(['missing.txt', 'https://example.org/x']);
    expect(contextFiles(root, ['.'], rules).files.map((file) => file.path)).toEqual(['app/src/main.ts', 'cfg/a.json', 'cfg/b.yaml', 'other/file.ts', 'package.json']);
  });
});
