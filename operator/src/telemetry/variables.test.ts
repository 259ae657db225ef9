import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { telemetryVariables } from './variables.ts';

describe("the operator's telemetry variables", () => {
  it('are each documented in the README\'s Telemetry section', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.split('## Telemetry')[1]?.split('\n## ')[0] ?? '';
    expect(section).not.toBe('');
    expect(Object.keys(telemetryVariables).filter((name) => !section.includes(`| \`${name}\` |`))).toEqual([]);
  });
});
