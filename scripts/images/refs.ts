// Prints the image references the manifests name, from charts/src/support/images.ts
// (never retyped): `<component> <reference>` a line.
//   node scripts/images/refs.ts [component...]   the components build.sh knows (default: all)
//   node scripts/images/refs.ts --platform        the upstream platform images
import { platformImages } from '../../charts/src/support/images.ts';
import { components } from './components.ts';

const args = process.argv.slice(2);
const table: Record<string, string> = args.includes('--platform')
  ? platformImages
  : Object.fromEntries(Object.entries(components).map(([name, component]) => [name, component.image]));
const names = args.filter((arg) => arg !== '--platform');
for (const name of names.length > 0 ? names : Object.keys(table)) {
  const reference = table[name];
  if (reference === undefined) {
    console.error(`unknown: ${name}`);
    process.exit(2);
  }
  console.log(`${name} ${reference}`);
}
