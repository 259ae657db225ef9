// Generates TypeScript types for every .proto file under proto/ into src/generated
// (or the folder given as the first argument). The generated files are committed, so a
// service needs no build step; a unit test regenerates them and fails on any drift.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const packageRoot = join(import.meta.dirname, '..');
const protoRoot = join(packageRoot, 'proto');

/** Keep in step with `protoLoaderOptions` in src/grpc.ts. */
export const generatorFlags = [
  '--grpcLib=@grpc/grpc-js',
  '--longs=Number',
  '--enums=String',
  '--defaults',
  '--oneofs',
  '--importFileExtension=.ts',
];

export function protoFiles(): string[] {
  return readdirSync(protoRoot, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.proto'))
    .map((file) => relative(protoRoot, join(protoRoot, file)))
    .sort();
}

export function generate(outDir: string): void {
  const generator = createRequire(import.meta.url).resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js');
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [generator, ...generatorFlags, '-I', 'proto', '-O', outDir, ...protoFiles()], {
    cwd: packageRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

if (import.meta.main) {
  generate(process.argv[2] ?? join(packageRoot, 'src', 'generated'));
}
