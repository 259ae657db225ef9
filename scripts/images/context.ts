// What an image build reads, so a build can be cached by content: the images its FROM
// lines name and the build-context files its COPY/ADD lines take, filtered by the
// ignore file with the rules of a .dockerignore. Pure functions, apart from reading
// the context directory. Not followed: `RUN --mount` of the context and heredocs (no
// Dockerfile here uses them), and the content behind an ADD <url>.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';

export interface DockerfileInputs {
  /** Images named by FROM (and COPY --from=<image>), after build-arg substitution. */
  readonly bases: string[];
  /** Context paths (or globs, or URLs for ADD) that COPY/ADD read, after substitution. */
  readonly sources: string[];
}

/** The Dockerfile's logical lines (continuations joined, comments and blank lines dropped), with the index of the physical line each ends on. */
function logicalLinesAt(text: string): { line: string; end: number }[] {
  const lines: { line: string; end: number }[] = [];
  let current = '';
  text.split(/\r?\n/).forEach((raw, index) => {
    if (/^\s*#/.test(raw)) return;
    if (current === '' && raw.trim() === '') return;
    if (raw.endsWith('\\')) {
      current += raw.slice(0, -1) + ' ';
      return;
    }
    current += raw;
    if (current.trim() !== '') lines.push({ line: current.trim(), end: index });
    current = '';
  });
  if (current.trim() !== '') lines.push({ line: current.trim(), end: text.split(/\r?\n/).length - 1 });
  return lines;
}

/** ${NAME}, $NAME, ${NAME:-default} and ${NAME:+alternative}, as the Dockerfile builder expands them. */
export function expand(word: string, vars: Readonly<Record<string, string>>): string {
  return word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_match, braced: string | undefined, op: string | undefined, operand: string | undefined, bare: string | undefined) => {
    const value = vars[braced ?? bare ?? ''];
    if (op === '-') return value === undefined || value === '' ? (operand ?? '') : value;
    if (op === '+') return value === undefined || value === '' ? '' : (operand ?? '');
    return value ?? '';
  });
}

/** Splits on whitespace, keeping quoted strings together (quotes removed). */
function words(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** NAME=value pairs of ARG and ENV (ENV also takes the legacy `NAME value` form). */
function assignments(rest: string, legacy: boolean): [string, string | undefined][] {
  const parts = words(rest);
  const first = parts[0] ?? '';
  if (legacy && parts.length > 1 && !first.includes('=')) return [[first, parts.slice(1).join(' ')]];
  return parts.map((part) => {
    const at = part.indexOf('=');
    return at < 0 ? [part, undefined] : [part.slice(0, at), part.slice(at + 1)];
  });
}

interface Step {
  readonly instruction: string;
  readonly rest: string;
  /** The physical line the instruction ends on. */
  readonly end: number;
  /** Variables (ARG and ENV) in scope; undefined before the first FROM. */
  readonly vars: Readonly<Record<string, string>> | undefined;
  /** For ARG: each name with the value the build gives it. */
  readonly args: readonly [string, string | undefined][];
}

/** The Dockerfile's instructions with the variables in scope at each, as the builder sees them. */
function steps(text: string, buildArgs: Readonly<Record<string, string>>): Step[] {
  const globalArgs: Record<string, string> = {};
  let vars: Record<string, string> | undefined;
  const out: Step[] = [];
  for (const { line, end } of logicalLinesAt(text)) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    const instruction = (match?.[1] ?? '').toUpperCase();
    const rest = match?.[2] ?? '';
    const args: [string, string | undefined][] = [];
    if (instruction === 'FROM') {
      vars = {};
    } else if (instruction === 'ARG') {
      for (const [name, value] of assignments(rest, false)) {
        const scope = vars ?? globalArgs;
        // ARG NAME inside a stage takes the global ARG's value (then the build arg's).
        const declared = value === undefined ? (vars === undefined ? undefined : globalArgs[name]) : expand(value, scope);
        const resolved = buildArgs[name] ?? declared;
        if (resolved !== undefined) scope[name] = resolved;
        args.push([name, resolved]);
      }
    } else if (instruction === 'ENV' && vars !== undefined) {
      for (const [name, value] of assignments(rest, true)) vars[name] = expand(value ?? '', vars);
    }
    out.push({ instruction, rest, end, vars: vars === undefined ? undefined : { ...vars }, args });
  }
  return out;
}

export function dockerfileInputs(text: string, buildArgs: Readonly<Record<string, string>>): DockerfileInputs {
  const stages: string[] = [];
  const bases: string[] = [];
  const sources: string[] = [];
  const globalArgs: Record<string, string> = {};
  for (const { instruction, rest, vars, args } of steps(text, buildArgs)) {
    if (instruction === 'ARG' && vars === undefined) {
      for (const [name, value] of args) if (value !== undefined) globalArgs[name] = value;
    } else if (instruction === 'FROM') {
      const [image = '', as, name] = words(expand(rest.replace(/--platform=\S+\s*/g, ''), globalArgs));
      if (image !== 'scratch' && !stages.includes(image)) bases.push(image);
      stages.push(as?.toUpperCase() === 'AS' && name !== undefined ? name : String(stages.length));
    } else if ((instruction === 'COPY' || instruction === 'ADD') && vars !== undefined) {
      const json = rest.replace(/^(--\S+\s+)*/, '');
      const flags = rest.slice(0, rest.length - json.length);
      const from = /--from=(\S+)/.exec(flags)?.[1];
      if (from !== undefined) {
        const source = expand(from, vars);
        if (!stages.includes(source) && !/^\d+$/.test(source)) bases.push(source);
        continue;
      }
      const paths = json.startsWith('[') ? (JSON.parse(json) as string[]) : words(json);
      for (const source of paths.slice(0, -1)) sources.push(expand(source, vars));
    }
  }
  return { bases: [...new Set(bases)], sources };
}

/**
 * The Dockerfile with a LABEL after every ARG inside a stage, naming the value the build
 * gives it. buildah 1.28's layer cache keys an instruction by its text, not by the build
 * args it expands (an `ENV E=${ENTRY}` built with another ENTRY reused the cached step):
 * a literal label puts the values into the key of every later step. The image keeps the
 * labels (io.metrox.build-arg.<NAME>), a record of how it was built.
 */
export function withArgLabels(text: string, buildArgs: Readonly<Record<string, string>>): string {
  const after = new Map<number, string[]>();
  for (const { instruction, end, vars, args } of steps(text, buildArgs)) {
    if (instruction !== 'ARG' || vars === undefined) continue;
    after.set(end, args.map(([name, value]) => `LABEL "io.metrox.build-arg.${name}"="${(value ?? '').replace(/[\\"$]/g, '\\$&')}"`));
  }
  return text
    .split(/\r?\n/)
    .flatMap((line, index) => [line, ...(after.get(index) ?? [])])
    .join('\n');
}

/** A .dockerignore-style pattern as a regular expression over slash-separated paths. */
export function patternRegExp(pattern: string, doubleStar = true): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*' && doubleStar && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else {
        re += '.*';
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
      } else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      i++;
      re += pattern.charAt(i).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** The path itself and each of its parent directories, longest first. */
function selfAndParents(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_part, i) => parts.slice(0, parts.length - i).join('/'));
}

export interface IgnoreRules {
  /** Whether the context path is left out of the build context. */
  excludes(path: string): boolean;
  /** Whether some `!` rule may bring back a path inside an excluded directory. */
  readonly hasExceptions: boolean;
}

/**
 * The rules of an ignore file: one pattern a line, `#` comments, `!` for exceptions,
 * `**` for any number of directories; the last rule matching a path (or one of its
 * parent directories) decides.
 */
export function ignoreRules(text: string): IgnoreRules {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const cleaned = posix.normalize(exception ? line.slice(1).trim() : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { exception, re: patternRegExp(cleaned) };
    });
  return {
    hasExceptions: rules.some((rule) => rule.exception),
    excludes(path: string): boolean {
      const candidates = selfAndParents(path);
      let excluded = false;
      for (const rule of rules) if (candidates.some((candidate) => rule.re.test(candidate))) excluded = !rule.exception;
      return excluded;
    },
  };
}

export interface ContextEntry {
  readonly path: string;
  readonly stats: Stats;
}

function walk(root: string, dir: string, rules: IgnoreRules, into: Map<string, ContextEntry>): void {
  const entries = readdirSync(dir === '' ? root : posix.join(root, dir), { withFileTypes: true });
  for (const entry of entries) {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    const excluded = rules.excludes(path);
    if (entry.isDirectory()) {
      if (!excluded || rules.hasExceptions) walk(root, path, rules, into);
    } else if (!excluded) {
      into.set(path, { path, stats: lstatSync(posix.join(root, path)) });
    }
  }
}

/** The context files that COPY/ADD sources take (after the ignore rules), sorted by path. */
export function contextFiles(root: string, sources: readonly string[], rules: IgnoreRules): { files: ContextEntry[]; unresolved: string[] } {
  const found = new Map<string, ContextEntry>();
  const unresolved: string[] = [];
  let everything: Map<string, ContextEntry> | undefined;
  const all = (): Map<string, ContextEntry> => {
    if (everything === undefined) {
      everything = new Map<string, ContextEntry>();
      walk(root, '', rules, everything);
    }
    return everything;
  };
  for (const source of sources) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      unresolved.push(source);
      continue;
    }
    const path = posix.normalize(source).replace(/^\/+/, '').replace(/\/+$/, '');
    if (path === '.' || path === '') {
      for (const [key, entry] of all()) found.set(key, entry);
    } else if (/[*?[]/.test(path)) {
      const re = patternRegExp(path, false);
      for (const [key, entry] of all()) if (selfAndParents(key).some((candidate) => re.test(candidate))) found.set(key, entry);
    } else {
      let stats: Stats;
      try {
        stats = lstatSync(posix.join(root, path));
      } catch {
        unresolved.push(source);
        continue;
      }
      if (rules.excludes(path)) unresolved.push(source);
      else if (stats.isDirectory()) walk(root, path, rules, found);
      else found.set(path, { path, stats });
    }
  }
  return { files: [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), unresolved };
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** One line per file: path, permission bits, and the content's hash (or a symlink's target). */
export function fileDigest(root: string, entry: ContextEntry): string {
  const full = posix.join(root, entry.path);
  const mode = (entry.stats.mode & 0o7777).toString(8);
  const content = entry.stats.isSymbolicLink() ? `-> ${readlinkSync(full)}` : sha256(readFileSync(full));
  return `file ${JSON.stringify(entry.path)} ${mode} ${content}`;
}

export { sha256 };
