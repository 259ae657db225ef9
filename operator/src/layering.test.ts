// The operator's layers import downward only: runtime/ knows nothing of MetroX,
// render/ is pure and imports no side-effecting layer, wiring/ knows no reconciler.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const folder = (name: string) => new URL(`./${name}/`, import.meta.url);

/** The non-test sources of a folder and the relative modules each imports (type-only imports marked). */
function imports(name: string): { file: string; source: string; from: string; typeOnly: boolean }[] {
  return readdirSync(folder(name))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .flatMap((file) => {
      const source = readFileSync(new URL(file, folder(name)), 'utf8');
      return [...source.matchAll(/^(import|export)( type)? [^;]*? from '([^']+)';/gms)].map((m) => ({ file: `${name}/${file}`, source, from: m[3] ?? '', typeOnly: m[2] !== undefined }));
    });
}

describe('the operator layers', () => {
  it('keep runtime/ free of MetroX: no import from api/, render/, wiring/, reconciler/, install/ or telemetry/, and no MetroX name', () => {
    const found = imports('runtime');
    expect(found.length).toBeGreaterThan(10);
    expect(found.filter((i) => /^\.\.\/(api|render|wiring|reconciler|install|telemetry)\//.test(i.from)).map((i) => `${i.file} → ${i.from}`)).toEqual([]);
    const named = [...new Set(found.filter((i) => /metrox/i.test(i.source)).map((i) => i.file))];
    expect(named).toEqual([]);
  });

  it('keep render/ pure: it imports only api/ and itself (runtime/ for types alone)', () => {
    const upward = imports('render').filter((i) => (/^\.\.\/(wiring|reconciler|install)\//.test(i.from)) || (i.from.startsWith('../runtime/') && !i.typeOnly));
    expect(upward.map((i) => `${i.file} → ${i.from}`)).toEqual([]);
  });

  it('keep wiring/ below the reconciler: it imports no reconciler/, runtime/ or render/ module', () => {
    const upward = imports('wiring').filter((i) => /^\.\.\/(reconciler|runtime|render)\//.test(i.from));
    expect(upward.map((i) => `${i.file} → ${i.from}`)).toEqual([]);
  });
});
