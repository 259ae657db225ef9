// Bundles the operator into one ES module, what its image runs:
//   node operator/bundle.ts        → operator/dist/operator.mjs (+ .map)
// Plain JavaScript needs no type stripping at start-up, and one module with only
// the code it reaches replaces ~400 files: together about 40 MiB less resident
// memory than running src/main.ts (bench/README.md, operator row). Names are kept
// (no mangling), so stack traces read as the source does; the source map is for
// `node --enable-source-maps` when line numbers are wanted.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rolldown } from 'rolldown';

const operatorDir = import.meta.dirname;
export const operatorBundle = join(operatorDir, 'dist', 'operator.mjs');

/** Builds the bundle; each file is replaced atomically, so concurrent builds never leave half a file. */
export async function bundleOperator(outFile: string = operatorBundle): Promise<string> {
  const build = await rolldown({ input: join(operatorDir, 'src', 'main.ts'), platform: 'node', logLevel: 'warn' });
  try {
    const fileName = outFile.split('/').pop() ?? 'operator.mjs';
    const { output } = await build.generate({
      format: 'esm',
      entryFileNames: fileName,
      codeSplitting: false,
      sourcemap: true,
      // Non-ASCII characters escaped: V8 then keeps the source as one byte per character, not two.
      charset: 'ascii',
      minify: { compress: true, mangle: false, codegen: { removeWhitespace: true } },
    });
    const dir = join(outFile, '..');
    mkdirSync(dir, { recursive: true });
    for (const file of output) {
      const target = join(dir, file.fileName);
      const temporary = `${target}.${String(process.pid)}.tmp`;
      writeFileSync(temporary, file.type === 'chunk' ? file.code : file.source);
      renameSync(temporary, target);
    }
  } finally {
    await build.close();
  }
  return outFile;
}

if (import.meta.main) {
  console.log(`bundled ${await bundleOperator()}`);
}
