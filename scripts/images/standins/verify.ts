// Proves the stand-in images honour the contracts of the committed manifests without a
// kubelet: each platform Pod of k8s/00-platform.yaml that names a stand-in runs from
// its image's OCI archive under runc, the way the kubelet and containerd would run it —
// the image's entrypoint with the manifest's command/args, the image's environment plus
// the container's (Secrets resolved) and the Service links, the Pod's uid, gid and
// fsGroup, no capabilities, no privilege escalation, a read-only root, emptyDir,
// ConfigMap (with the kubelet's ..data layout) and volume-claim mounts, the memory
// limit — each Pod in its own network namespace on a private bridge, with the Services'
// names in /etc/hosts. The probes the manifest declares must pass; then every stand-in
// is exercised through what the platform uses it for (SQL over TCP with the admin
// Secret, AMQP and the management API, Prometheus discovering the Pods through a real
// kube-apiserver with its ServiceAccount's token, traces through the Collector into
// Jaeger, span metrics into Prometheus and back out of Jaeger's metrics API), and the
// stateful ones are restarted on their data. Everything it creates is removed at the end.
//
// Usage (root; Node 24, the repository's: `npx node` at the root):
//   npx node scripts/images/standins/verify.ts        builds (or finds) the archives first
//   scripts/images/standins/build.sh | npx node scripts/images/standins/verify.ts -
// METROX_VERIFY_LOGS=<dir> keeps the containers' logs in <dir>.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync, chownSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { spawnTethered, type TetheredProcess } from '../../../test/support/processes.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const namespace = 'metrox';
const runcRoot = '/run/metrox-standin-verify';
const netPrefix = 'mxs-';
const subnet = '10.77.0';
const apiServerIp = `${subnet}.2`;
const clientIp = `${subnet}.100`;
const apiPort = 6443;

// --- The manifests -------------------------------------------------------------------

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: unknown;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { limits?: { memory?: string } };
}
interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; runAsNonRoot?: boolean };
  volumes?: Volume[];
  serviceAccountName?: string;
}
interface Workload extends KubeObject {
  spec: {
    template: { metadata: Metadata; spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
}
interface ServiceSpec {
  selector?: Record<string, string>;
  ports: { name?: string; port: number }[];
}

const objects = parseAllDocuments(readFileSync(join(root, 'k8s', '00-platform.yaml'), 'utf8'))
  .map((doc) => doc.toJS() as KubeObject | null)
  .filter((object): object is KubeObject => object !== null);
const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
const named = (kind: string, name: string) => {
  const found = byKind(kind).find((object) => object.metadata.name === name);
  if (found === undefined) throw new Error(`k8s/00-platform.yaml has no ${kind} ${name}`);
  return found;
};

function resolveEnv(env: EnvVar): string {
  if (env.value !== undefined) return env.value;
  const secretRef = env.valueFrom?.secretKeyRef;
  if (secretRef !== undefined) {
    const secret = named('Secret', secretRef.name);
    const encoded = secret.data?.[secretRef.key];
    const value = secret.stringData?.[secretRef.key] ?? (encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString());
    if (value === undefined) throw new Error(`Secret ${secretRef.name} has no key ${secretRef.key}`);
    return value;
  }
  const mapRef = env.valueFrom?.configMapKeyRef;
  if (mapRef !== undefined) {
    const value = named('ConfigMap', mapRef.name).data?.[mapRef.key];
    if (value === undefined) throw new Error(`ConfigMap ${mapRef.name} has no key ${mapRef.key}`);
    return value;
  }
  throw new Error(`env ${env.name}: only value, secretKeyRef and configMapKeyRef are supported here`);
}

function memoryBytes(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  if (match === null) throw new Error(`memory quantity ${quantity} is not supported here`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * unit;
}

// --- Processes and cleanup -----------------------------------------------------------

const cleanups: (() => void)[] = [];
const daemons: TetheredProcess[] = [];

function run(command: string, args: string[], options: { input?: string; allowFailure?: boolean; timeoutMs?: number } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', input: options.input, timeout: options.timeoutMs ?? 120_000 });
  if (result.status !== 0 && options.allowFailure !== true) {
    throw new Error(`${command} ${args.join(' ')} failed (${String(result.status ?? result.signal)}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.status === 0 ? result.stdout : '';
}
const quietly = (command: string, args: string[]) => run(command, args, { allowFailure: true });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => {
  console.error(`[verify] ${message}`);
};

async function waitFor(what: string, check: () => boolean, timeoutMs: number, diagnose: () => string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${String(timeoutMs / 1000)} s\n${diagnose()}`);
    await sleep(500);
  }
}

const checks: string[] = [];
function check(what: string, ok: boolean, detail = ''): void {
  if (!ok) throw new Error(`FAILED: ${what}${detail === '' ? '' : `\n${detail}`}`);
  checks.push(what);
  log(`ok: ${what}`);
}

// --- Network: one namespace per Pod on a bridge that lives in a namespace of its own ---

const netns = (name: string) => `${netPrefix}${name}`.slice(0, 15);
const inNs = (ns: string, command: string, args: string[], options: { allowFailure?: boolean; input?: string; timeoutMs?: number } = {}) =>
  run('ip', ['netns', 'exec', netns(ns), command, ...args], options);

function createNetwork(pods: { name: string; ip: string }[]): void {
  const sw = netns('switch');
  run('ip', ['netns', 'add', sw]);
  cleanups.push(() => quietly('ip', ['netns', 'del', sw]));
  run('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
  run('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
  pods.forEach((pod, i) => {
    const ns = netns(pod.name);
    run('ip', ['netns', 'add', ns]);
    cleanups.push(() => quietly('ip', ['netns', 'del', ns]));
    const port = `p${String(i)}`;
    run('ip', ['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    run('ip', ['-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
    run('ip', ['-n', ns, 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0']);
    run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
}

// --- A kube-apiserver for Prometheus' Kubernetes service discovery ----------------

interface ApiServer {
  kubectl(args: string[], input?: string): string;
  caFile: string;
}

async function startApiServer(scratch: string): Promise<ApiServer> {
  const out = execFileSync('bash', [join(root, 'scripts', 'control-plane', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = out.trim().split('\n').pop() ?? '';
  const dir = join(scratch, 'control-plane');
  mkdirSync(dir);
  run('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048']);
  run('openssl', ['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')]);
  const adminToken = run('openssl', ['rand', '-hex', '24']).trim();
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin,system:masters\n`);
  const ns = ['netns', 'exec', netns('api')];
  daemons.push(
    spawnTethered('etcd', 'ip', [...ns, join(bin, 'etcd'), `--data-dir=${join(dir, 'etcd')}`, '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379', '--listen-peer-urls=http://127.0.0.1:2380', '--unsafe-no-fsync', '--log-level=warn'], join(dir, 'etcd.log')),
  );
  const certDir = join(dir, 'certs');
  const apiServer = spawnTethered('kube-apiserver', 'ip', [...ns, join(bin, 'kube-apiserver'), '--etcd-servers=http://127.0.0.1:2379',
    `--bind-address=${apiServerIp}`, `--advertise-address=${apiServerIp}`, `--secure-port=${String(apiPort)}`, `--cert-dir=${certDir}`,
    '--service-cluster-ip-range=10.96.0.0/16', '--authorization-mode=RBAC', '--disable-admission-plugins=ServiceAccount',
    '--service-account-issuer=https://kubernetes.default.svc', `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`, '--endpoint-reconciler-type=none', `--token-auth-file=${join(dir, 'tokens.csv')}`, '--v=0'],
  join(dir, 'kube-apiserver.log'));
  daemons.push(apiServer);
  const caFile = join(certDir, 'apiserver.crt');
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'admin',
    clusters: [{ name: 'verify', cluster: { server: `https://${apiServerIp}:${String(apiPort)}`, 'certificate-authority': caFile } }],
    users: [{ name: 'admin', user: { token: adminToken } }],
    contexts: [{ name: 'admin', context: { cluster: 'verify', user: 'admin' } }],
  }));
  // kubectl runs in the client namespace: only there is the API server's address routed.
  const kubectl = (args: string[], input?: string) =>
    inNs('client', join(bin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], input === undefined ? {} : { input });
  const ready = () => existsSync(caFile) && inNs('client', join(bin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, 'get', '--raw=/readyz'], { allowFailure: true }).trim() === 'ok';
  await waitFor('kube-apiserver ready', ready, 120_000, () => apiServer.logTail());
  return { kubectl, caFile };
}

// --- Pods under runc --------------------------------------------------------------

interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  StopSignal?: string;
  Labels?: Record<string, string> | null;
}

interface Pod {
  readonly name: string;
  readonly ip: string;
  readonly workload: Workload;
  readonly container: Container;
  readonly image: ImageConfig;
  /** Starts (or starts again) the container; the claims' data survives. */
  start(): void;
  stop(): void;
  logs(): string;
  running(): boolean;
  /** When the container was last started (ms since the epoch). */
  readonly startedAt: number;
  exec(command: string[]): { status: number; output: string };
}

const hostsFile = (pods: { name: string; ip: string }[]) =>
  [
    '127.0.0.1 localhost',
    '::1 localhost ip6-localhost ip6-loopback',
    ...pods.map((pod) => `${pod.ip} ${pod.name} ${pod.name}.${namespace}.svc ${pod.name}.${namespace}.svc.cluster.local`),
    '',
  ].join('\n');

/** The environment the kubelet gives every container of the namespace: the Services' links. */
function serviceLinks(pods: { name: string; ip: string }[]): string[] {
  const env = [`KUBERNETES_SERVICE_HOST=${apiServerIp}`, `KUBERNETES_SERVICE_PORT=${String(apiPort)}`, `KUBERNETES_SERVICE_PORT_HTTPS=${String(apiPort)}`,
    `KUBERNETES_PORT=tcp://${apiServerIp}:${String(apiPort)}`];
  for (const service of byKind('Service')) {
    const ip = pods.find((pod) => pod.name === service.metadata.name)?.ip;
    const spec = service.spec as ServiceSpec;
    const first = spec.ports[0];
    if (ip === undefined || first === undefined) continue;
    const prefix = service.metadata.name.toUpperCase().replace(/-/g, '_');
    env.push(`${prefix}_SERVICE_HOST=${ip}`, `${prefix}_SERVICE_PORT=${String(first.port)}`, `${prefix}_PORT=tcp://${ip}:${String(first.port)}`);
    for (const port of spec.ports) {
      if (port.name !== undefined) env.push(`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}=${String(port.port)}`);
      const tcp = `${prefix}_PORT_${String(port.port)}_TCP`;
      env.push(`${tcp}=tcp://${ip}:${String(port.port)}`, `${tcp}_PROTO=tcp`, `${tcp}_PORT=${String(port.port)}`, `${tcp}_ADDR=${ip}`);
    }
  }
  return env;
}

/** A volume the kubelet would give the Pod: fsGroup owns it, set-gid directories. */
function ownedDir(path: string, fsGroup: number | undefined, mode: number): void {
  mkdirSync(path, { recursive: true });
  if (fsGroup !== undefined) chownSync(path, 0, fsGroup);
  chmodSync(path, fsGroup === undefined ? mode : mode | 0o2000);
}

/** A ConfigMap volume as the kubelet's atomic writer lays it out: ..data and symlinks. */
function configMapDir(path: string, data: Record<string, string>, fsGroup: number | undefined): void {
  const version = '..2026_01_01_00_00_00.000000001';
  ownedDir(path, fsGroup, 0o777);
  mkdirSync(join(path, version));
  for (const [key, value] of Object.entries(data)) {
    writeFileSync(join(path, version, key), value, { mode: 0o644 });
    if (fsGroup !== undefined) chownSync(join(path, version, key), 0, fsGroup);
    symlinkSync(join('..data', key), join(path, key));
  }
  symlinkSync(version, join(path, '..data'));
}

function createPod(name: string, ip: string, workload: Workload, archive: string, scratch: string, env: string[], extraMounts: { destination: string; source: string }[]): Pod {
  const template = workload.spec.template;
  const container = template.spec.containers[0];
  if (container === undefined) throw new Error(`${workload.metadata.name} has no container`);
  const security = template.spec.securityContext ?? {};
  const fsGroup = security.fsGroup;

  // The image, from its archive: a working container whose root file system runc runs.
  const imageExisted = run('buildah', ['inspect', '--type', 'image', container.image], { allowFailure: true }) !== '';
  const ctr = run('buildah', ['from', '--quiet', '--pull-never', '--name', `verify-${name}`, `oci-archive:${archive}`]).trim().split('\n').pop() ?? '';
  cleanups.push(() => {
    quietly('buildah', ['umount', ctr]);
    quietly('buildah', ['rm', ctr]);
    if (!imageExisted) quietly('buildah', ['rmi', container.image]);
  });
  const info = JSON.parse(run('buildah', ['inspect', '--type', 'container', ctr])) as { OCIv1: { config: ImageConfig } };
  const image = info.OCIv1.config;
  const rootfs = run('buildah', ['mount', ctr]).trim();

  const podDir = join(scratch, name);
  mkdirSync(podDir);
  const mounts: { destination: string; type: string; source: string; options: string[] }[] = [];
  const volumes = new Map((template.spec.volumes ?? []).map((volume) => [volume.name, volume]));
  const claims = new Set((workload.spec.volumeClaimTemplates ?? []).map((claim) => claim.metadata.name));
  for (const mount of container.volumeMounts ?? []) {
    const source = join(podDir, 'volumes', mount.name);
    const volume = volumes.get(mount.name);
    if (claims.has(mount.name)) {
      // A fresh claim's root as a file system creates it (root's, 0755), then fsGroup's.
      ownedDir(source, fsGroup, 0o775);
    } else if (volume?.emptyDir !== undefined) {
      ownedDir(source, fsGroup, 0o777);
    } else if (volume?.configMap !== undefined) {
      configMapDir(source, named('ConfigMap', volume.configMap.name).data ?? {}, fsGroup);
    } else {
      throw new Error(`${name}: volume ${mount.name} is of a kind this harness does not emulate`);
    }
    mounts.push({ destination: mount.mountPath, type: 'bind', source, options: ['rbind', mount.readOnly === true ? 'ro' : 'rw'] });
  }
  const etc = join(podDir, 'etc');
  mkdirSync(etc);
  writeFileSync(join(etc, 'hostname'), `${name}\n`);
  writeFileSync(join(etc, 'resolv.conf'), `search ${namespace}.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`);
  writeFileSync(join(etc, 'hosts'), readFileSync(join(scratch, 'hosts')));
  for (const file of ['hosts', 'hostname', 'resolv.conf']) {
    mounts.push({ destination: `/etc/${file}`, type: 'bind', source: join(etc, file), options: ['rbind', 'ro'] });
  }
  for (const extra of extraMounts) mounts.push({ destination: extra.destination, type: 'bind', source: extra.source, options: ['rbind', 'ro'] });

  // Kubernetes semantics: command replaces the entrypoint, args replace the image's CMD.
  const entrypoint = container.command ?? image.Entrypoint ?? [];
  const args = container.args ?? (container.command === undefined ? (image.Cmd ?? []) : []);
  const processEnv = new Map<string, string>();
  for (const entry of [...(image.Env ?? []), `HOSTNAME=${name}`, ...env]) {
    const at = entry.indexOf('=');
    processEnv.set(entry.slice(0, at), entry.slice(at + 1));
  }
  for (const entry of container.env ?? []) processEnv.set(entry.name, resolveEnv(entry));

  const bundle = join(podDir, 'bundle');
  mkdirSync(bundle);
  run('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
    process: Record<string, unknown>;
    root: Record<string, unknown>;
    mounts: unknown[];
    hostname: string;
    linux: { namespaces: { type: string; path?: string }[]; resources?: Record<string, unknown> };
  };
  const uid = security.runAsUser ?? 0;
  const noCapabilities = container.securityContext?.capabilities?.drop?.includes('ALL') === true;
  spec.process = {
    ...spec.process,
    terminal: false,
    user: { uid, gid: security.runAsGroup ?? uid, additionalGids: fsGroup === undefined ? [] : [fsGroup] },
    args: [...entrypoint, ...args],
    env: [...processEnv].map(([key, value]) => `${key}=${value}`),
    cwd: image.WorkingDir === undefined || image.WorkingDir === '' ? '/' : image.WorkingDir,
    noNewPrivileges: container.securityContext?.allowPrivilegeEscalation === false,
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }],
    ...(noCapabilities ? { capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] } } : {}),
  };
  if (security.runAsNonRoot === true && uid === 0) throw new Error(`${name}: runAsNonRoot with uid 0`);
  spec.root = { path: rootfs, readonly: container.securityContext?.readOnlyRootFilesystem === true };
  spec.hostname = name;
  spec.mounts = [...spec.mounts, ...mounts];
  spec.linux.namespaces = spec.linux.namespaces.map((ns) => (ns.type === 'network' ? { type: 'network', path: `/var/run/netns/${netns(name)}` } : ns));
  const limit = memoryBytes(container.resources?.limits?.memory);
  if (limit !== undefined) spec.linux.resources = { ...spec.linux.resources, memory: { limit } };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));

  const id = `metrox-verify-${name}`;
  const logFile = join(podDir, 'container.log');
  const runc = (runcArgs: string[], allowFailure = false) => run('runc', ['--root', runcRoot, ...runcArgs], { allowFailure });
  let startedAt = 0;
  const remove = () => {
    runc(['kill', id, 'KILL'], true);
    runc(['delete', '--force', id], true);
  };
  cleanups.push(remove);
  return {
    name,
    ip,
    workload,
    container,
    image,
    get startedAt() {
      return startedAt;
    },
    start() {
      remove();
      startedAt = Date.now();
      const out = openSync(logFile, 'a');
      const result = spawnSync('runc', ['--root', runcRoot, 'run', '--detach', '--bundle', bundle, id], { stdio: ['ignore', out, out], timeout: 60_000 });
      closeSync(out);
      if (result.status !== 0) throw new Error(`${name}: runc run failed\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    },
    stop() {
      // The image's stop signal, as containerd sends it; then the kubelet's grace period.
      runc(['kill', id, image.StopSignal ?? 'SIGTERM'], true);
      for (let i = 0; i < 300; i++) {
        const state = run('runc', ['--root', runcRoot, 'state', id], { allowFailure: true });
        if (state === '' || (JSON.parse(state) as { status: string }).status === 'stopped') break;
        execFileSync('sleep', ['0.1']);
      }
      remove();
    },
    logs: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    running() {
      const state = runc(['state', id], true);
      return state !== '' && (JSON.parse(state) as { status: string }).status === 'running';
    },
    exec(command) {
      // Exec probes run in the container as its process user.
      const result = spawnSync('runc', ['--root', runcRoot, 'exec', id, ...command], { encoding: 'utf8', timeout: 30_000 });
      return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
    },
  };
}

function portOf(pod: Pod, port: number | string): number {
  if (typeof port === 'number') return port;
  const found = pod.container.ports?.find((p) => p.name === port)?.containerPort;
  if (found === undefined) throw new Error(`${pod.name}: no container port named ${port}`);
  return found;
}

/** curl from the client namespace (the node's side of the Pod network). */
function curl(url: string, extra: string[] = []): { status: number; body: string } {
  const out = inNs('client', 'curl', ['-sS', '-m', '5', '-o', '-', '-w', '\n%{http_code}', ...extra, url], { allowFailure: true });
  const at = out.lastIndexOf('\n');
  return { status: Number(out.slice(at + 1)) || 0, body: out.slice(0, Math.max(at, 0)) };
}

function probe(pod: Pod, spec: Probe): boolean {
  if (spec.httpGet !== undefined) {
    const status = curl(`http://${pod.ip}:${String(portOf(pod, spec.httpGet.port))}${spec.httpGet.path ?? '/'}`).status;
    return status >= 200 && status < 400;
  }
  if (spec.tcpSocket !== undefined) {
    const target = `/dev/tcp/${pod.ip}/${String(portOf(pod, spec.tcpSocket.port))}`;
    return spawnSync('ip', ['netns', 'exec', netns('client'), 'timeout', '3', 'bash', '-c', `exec 3<>${target}`]).status === 0;
  }
  if (spec.exec !== undefined) return pod.exec(spec.exec.command).status === 0;
  throw new Error(`${pod.name}: probe of an unsupported kind`);
}

function describeProbe(spec: Probe): string {
  if (spec.httpGet !== undefined) return `httpGet ${spec.httpGet.path ?? '/'} on ${String(spec.httpGet.port)}`;
  if (spec.tcpSocket !== undefined) return `tcpSocket ${String(spec.tcpSocket.port)}`;
  return `exec ${spec.exec?.command.join(' ') ?? ''}`;
}

async function waitReady(pod: Pod, timeoutMs: number): Promise<void> {
  const { startupProbe, readinessProbe, livenessProbe } = pod.container;
  const first = startupProbe ?? readinessProbe;
  if (first === undefined) throw new Error(`${pod.name} declares no probe`);
  await waitFor(`${pod.name}: ${describeProbe(first)}`, () => {
    if (!pod.running()) throw new Error(`${pod.name}: the container exited\n${pod.logs().slice(-3000)}`);
    return probe(pod, first);
  }, timeoutMs, () => pod.logs().slice(-3000));
  const ms = Date.now() - pod.startedAt;
  for (const [kind, spec] of [['startup', startupProbe], ['readiness', readinessProbe], ['liveness', livenessProbe]] as const) {
    if (spec === undefined) continue;
    if (kind !== 'startup' || spec !== first) {
      await waitFor(`${pod.name}: ${kind} ${describeProbe(spec)}`, () => probe(pod, spec), 30_000, () => pod.logs().slice(-3000));
    }
    check(`${pod.name}: ${kind} probe passes (${describeProbe(spec)})${kind === 'startup' || spec === first ? `, ${(ms / 1000).toFixed(1)} s after the container started` : ''}`, true);
  }
}

// --- The checks -------------------------------------------------------------------

function checkProcessContract(pod: Pod): void {
  const security = pod.workload.spec.template.spec.securityContext ?? {};
  const ids = pod.exec(['sh', '-c', 'id -u; id -g; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; touch /standin-probe 2>&1 || true']);
  const [uid, gid] = ids.output.split('\n');
  check(`${pod.name}: runs as uid ${String(security.runAsUser)}, gid ${String(security.runAsGroup)}`, uid === String(security.runAsUser) && gid === String(security.runAsGroup), ids.output);
  check(`${pod.name}: no capabilities, no privilege escalation, read-only root`,
    /CapEff:\s+0+\n/.test(ids.output) && /NoNewPrivs:\s+1/.test(ids.output) && ids.output.includes('Read-only file system'), ids.output);
  const label = pod.image.Labels?.['org.opencontainers.image.description'] ?? '';
  check(`${pod.name}: the image says it is a stand-in ("${label.slice(0, 60)}…")`, label.includes('MetroX local stand-in for'));
}

function secretValue(name: string, key: string): string {
  return resolveEnv({ name: key, valueFrom: { secretKeyRef: { name, key } } });
}

async function checkPostgres(pod: Pod): Promise<void> {
  const password = secretValue('postgres-admin', 'password');
  const url = `postgresql://postgres:${encodeURIComponent(password)}@${pod.ip}:5432/postgres`;
  const sql = (query: string, target = url) => inNs('client', 'psql', [target, '-AtXqc', query], { allowFailure: true }).trim();
  check('postgres: the admin Secret\'s password logs in over TCP', sql('select 1') === '1');
  check('postgres: -c max_connections=300 reached the server', sql('show max_connections') === '300');
  check('postgres: listens on every address', sql('show listen_addresses') === '*');
  const rule = sql('select auth_method from pg_hba_file_rules where type = \'host\' and address = \'all\'');
  check('postgres: TCP from anywhere needs the password (scram-sha-256)', sql('select 1', url.replace(encodeURIComponent(password), 'wrong')) === '' && rule.includes('scram-sha-256'), rule);
  check('postgres: PGDATA is the manifest\'s subdirectory', sql('show data_directory') === '/var/lib/postgresql/data/pgdata');
  sql('create table standin_check (id int); insert into standin_check values (42)');
  pod.stop();
  pod.start();
  await waitReady(pod, 120_000);
  check('postgres: restarted on its volume, it keeps its data and skips initialisation',
    sql('select id from standin_check') === '42' && pod.logs().includes('skipping initialisation'), pod.logs().slice(-1500));
}

async function checkRabbitMq(pod: Pod): Promise<void> {
  const user = secretValue('rabbitmq-admin', 'username');
  const password = secretValue('rabbitmq-admin', 'password');
  const api = (path: string, extra: string[] = []) => curl(`http://${pod.ip}:15672/api${path}`, ['-u', `${user}:${password}`, ...extra]);
  const overview = api('/overview');
  check('rabbitmq: the management API (15672) accepts the admin Secret\'s user', overview.status === 200, overview.body.slice(0, 300));
  const whoami = JSON.parse(api('/whoami').body) as { tags?: string[] | string };
  check('rabbitmq: that user is an administrator', JSON.stringify(whoami.tags).includes('administrator'));
  check('rabbitmq: no guest user', api('/users/guest').status === 404);
  const node = JSON.parse(api('/nodes').body) as { name: string }[];
  check('rabbitmq: RABBITMQ_NODENAME is rabbit@localhost', node[0]?.name === 'rabbit@localhost', JSON.stringify(node).slice(0, 200));
  const plugins = pod.exec(['rabbitmq-plugins', 'list', '-e', '-m']).output;
  check('rabbitmq: management and prometheus plugins enabled from RABBITMQ_ENABLED_PLUGINS_FILE', plugins.includes('rabbitmq_management') && plugins.includes('rabbitmq_prometheus'), plugins);
  const vhost = JSON.parse(api('/vhosts/%2F').body) as { metadata?: { default_queue_type?: string } };
  check('rabbitmq: default_queue_type = quorum from the conf.d is the default vhost\'s default queue type', vhost.metadata?.default_queue_type === 'quorum', JSON.stringify(vhost));
  const metrics = curl(`http://${pod.ip}:15692/metrics/detailed?family=queue_coarse_metrics`);
  check('rabbitmq: Prometheus endpoint on 15692, per-queue family served', metrics.status === 200);

  // AMQP on 5672 with amqplib, as the services and the operator use it.
  const script = `
    import amqp from 'amqplib';
    const c = await amqp.connect(process.env.AMQP_URL);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue('standin-default', { durable: true });
    await ch.assertQueue('standin-transient', { durable: false, autoDelete: true });
    await ch.assertQueue('standin-classic', { durable: true, arguments: { 'x-queue-type': 'classic' } });
    ch.sendToQueue('standin-default', Buffer.from('hello'), { persistent: true });
    await ch.waitForConfirms();
    const m = await new Promise((r) => { const t = setInterval(async () => { const g = await ch.get('standin-default', { noAck: true }); if (g) { clearInterval(t); r(g); } }, 100); });
    console.log(m.content.toString());
    await c.close();`;
  const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
  const amqpUrl = `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${pod.ip}:5672`;
  const received = inNs('client', 'env', [`AMQP_URL=${amqpUrl}`, node24, '--input-type=module', '-e', script], { allowFailure: true, timeoutMs: 60_000 }).trim();
  check('rabbitmq: AMQP on 5672: declare, publish with confirms, consume', received === 'hello');
  const typeOf = (queue: string) => (JSON.parse(api(`/queues/%2F/${queue}`).body) as { type?: string }).type;
  check('rabbitmq: a durable queue declared without x-queue-type is a quorum queue', typeOf('standin-default') === 'quorum');
  check('rabbitmq: a transient queue and an explicit classic queue stay classic', typeOf('standin-transient') === 'classic' && typeOf('standin-classic') === 'classic');
  const uid = pod.exec(['stat', '-c', '%u %a', '/var/lib/rabbitmq/.erlang.cookie']).output.trim();
  check('rabbitmq: the Erlang cookie is in HOME (the data volume), the rabbitmq user\'s, 0400', uid === '999 400', uid);

  pod.stop();
  pod.start();
  await waitReady(pod, 180_000);
  const again = JSON.parse(api('/vhosts/%2F').body) as { metadata?: { default_queue_type?: string } };
  check('rabbitmq: restarted on its volume, the user, the queues and the vhost\'s default queue type remain',
    api('/overview').status === 200 && typeOf('standin-default') === 'quorum' && again.metadata?.default_queue_type === 'quorum', pod.logs().slice(-1500));
}

function otlpSpan(traceId: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'standin-check' } }] },
      scopeSpans: [{
        scope: { name: 'verify' },
        spans: [{ traceId, spanId: traceId.slice(0, 16), name: 'GET /standin', kind: 2, startTimeUnixNano: String(now - 25_000_000n), endTimeUnixNano: String(now), status: {} }],
      }],
    }],
  });
}

async function checkTelemetry(collector: Pod, jaeger: Pod, prometheus: Pod): Promise<void> {
  const traceId = run('openssl', ['rand', '-hex', '16']).trim();
  const sent = curl(`http://${collector.ip}:4318/v1/traces`, ['-X', 'POST', '-H', 'content-type: application/json', '--data', otlpSpan(traceId)]);
  check('otel-collector: OTLP/HTTP on 4318 accepts a span', sent.status === 200, sent.body);
  await waitFor('the span in Jaeger', () => curl(`http://${jaeger.ip}:16686/api/traces/${traceId}`).status === 200, 60_000, () => collector.logs().slice(-2000) + jaeger.logs().slice(-2000));
  const services = JSON.parse(curl(`http://${jaeger.ip}:16686/api/services`).body) as { data: string[] | null };
  check('jaeger: the span came through the Collector\'s otlp/jaeger exporter (OTLP gRPC 4317) and is queryable on 16686', services.data?.includes('standin-check') === true, JSON.stringify(services));
  // The spanmetrics connector flushes once a minute (its default, upstream's too).
  let spanMetrics = '';
  await waitFor('span metrics on the Collector\'s 8889', () => {
    spanMetrics = curl(`http://${collector.ip}:8889/metrics`).body;
    return spanMetrics.includes('standin-check');
  }, 120_000, () => collector.logs().slice(-2000));
  check('otel-collector: span metrics on 8889 under the names Jaeger\'s Monitor tab queries',
    /traces_span_metrics_calls_total\{[^}]*service_name="standin-check"/.test(spanMetrics) && spanMetrics.includes('traces_span_metrics_duration_milliseconds_bucket'),
    spanMetrics.split('\n').filter((line) => line.startsWith('traces_')).slice(0, 5).join('\n'));
  check('otel-collector: its own metrics on 8888', curl(`http://${collector.ip}:8888/metrics`).body.includes('otelcol_receiver_accepted_spans'));
  check('jaeger: its own metrics on the scraped port 8888', /otelcol_receiver_accepted_spans|jaeger_/.test(curl(`http://${jaeger.ip}:8888/metrics`).body));

  // Prometheus: in-cluster Kubernetes discovery with its ServiceAccount's token.
  interface Target { labels: Record<string, string>; health: string; scrapeUrl: string; lastError: string }
  const targets = () => (JSON.parse(curl(`http://${prometheus.ip}:9090/api/v1/targets?state=active`).body || '{"data":{"activeTargets":[]}}') as { data: { activeTargets: Target[] } }).data.activeTargets;
  const want = ['rabbitmq', 'otel-collector', 'jaeger'];
  await waitFor('Prometheus discovering and scraping the Pods', () => {
    const up = targets().filter((t) => t.labels.job === 'pods' && t.health === 'up').map((t) => t.labels.service);
    return want.every((service) => up.includes(service));
  }, 120_000, () => JSON.stringify(targets().map((t) => [t.labels.job, t.labels.service, t.health, t.scrapeUrl, t.lastError]), null, 1) + prometheus.logs().slice(-2000));
  const all = targets();
  check(`prometheus: kubernetes_sd (in-cluster, ServiceAccount token) finds and scrapes ${want.join(', ')} by their annotations`, true,
    all.map((t) => `${t.labels.job}/${t.labels.service ?? ''} ${t.health} ${t.scrapeUrl}`).join('\n'));
  await waitFor('the rabbitmq-queues and self targets up', () => targets().filter((t) => ['rabbitmq-queues', 'prometheus'].includes(t.labels.job ?? '') && t.health === 'up').length === 2, 60_000, () => JSON.stringify(targets()));
  check('prometheus: the static rabbitmq-queues (/metrics/detailed) and self targets are up', true);
  const flags = JSON.parse(curl(`http://${prometheus.ip}:9090/api/v1/status/flags`).body) as { data: Record<string, string> };
  check('prometheus: the manifest\'s flags are in effect (exemplar storage, 2d retention, lifecycle API)',
    flags.data['enable-feature'] === 'exemplar-storage' && flags.data['storage.tsdb.retention.time'] === '2d' && flags.data['web.enable-lifecycle'] === 'true', JSON.stringify(flags.data).slice(0, 400));
  const query = (promql: string) => JSON.parse(curl(`http://${prometheus.ip}:9090/api/v1/query`, ['--data-urlencode', `query=${promql}`]).body) as { data: { result: unknown[] } };
  await waitFor('span metrics in Prometheus', () => query('traces_span_metrics_calls_total{service_name="standin-check"}').data.result.length > 0, 90_000, () => JSON.stringify(targets()));
  check('prometheus: span metrics scraped from the Collector', true);
  // The broker's checks ran first: its durable queues exist.
  await waitFor('per-queue depths in Prometheus', () => query('rabbitmq_detailed_queue_messages{queue="standin-default"}').data.result.length > 0, 60_000, () => JSON.stringify(targets()));
  check('prometheus: per-queue depths (rabbitmq_detailed_queue_messages, the overview dashboard\'s dead-letter panel) are collected', true);

  const end = Date.now();
  const calls = () => curl(`http://${jaeger.ip}:16686/api/metrics/calls?service=standin-check&endTs=${String(Date.now())}&lookback=600000&step=15000&ratePer=60000`);
  // A rate needs two samples of the counter: a scrape or two after the first.
  let spm = calls();
  await waitFor('a call rate from Jaeger\'s metrics API', () => {
    spm = calls();
    return spm.body.includes('"labels"');
  }, 120_000, () => spm.body.slice(0, 600) + jaeger.logs().slice(-1500));
  check('jaeger: the Monitor tab\'s metrics API reads span metrics from Prometheus (http://prometheus:9090)',
    spm.status === 200 && spm.body.includes('"name":"service_call_rate"') && spm.body.includes('standin-check'), spm.body.slice(0, 600));
  const exemplars = JSON.parse(curl(`http://${prometheus.ip}:9090/api/v1/query_exemplars`, ['--data-urlencode', 'query=traces_span_metrics_duration_milliseconds_bucket', '--data-urlencode', `start=${String((end - 600_000) / 1000)}`, '--data-urlencode', `end=${String((end + 60_000) / 1000)}`]).body) as { data: { exemplars: { labels: Record<string, string> }[] }[] };
  const traceIds = exemplars.data.flatMap((series) => series.exemplars.map((exemplar) => exemplar.labels.trace_id));
  check('prometheus: exemplar storage keeps the span metrics\' exemplars, trace_id included', traceIds.includes(traceId), JSON.stringify(exemplars).slice(0, 400));
}

// --- Main -------------------------------------------------------------------------

/** The platform workloads that run a stand-in image, in start order. */
const standins = ['postgres', 'rabbitmq', 'otel-collector', 'jaeger', 'prometheus'];

function archives(): Map<string, string> {
  let lines: string;
  if (process.argv.includes('-')) {
    lines = readFileSync(0, 'utf8');
  } else {
    lines = execFileSync(join(root, 'scripts', 'images', 'standins', 'build.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  }
  return new Map(lines.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const [reference = '', archive = ''] = line.trim().split(/\s+/);
    return [reference, archive];
  }));
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: runc, network namespaces and mounts need it');
  const built = archives();
  const workloads = [...byKind('Deployment'), ...byKind('StatefulSet')] as Workload[];
  const scratch = mkdtempSync('/tmp/metrox-standin-verify-');
  cleanups.push(() => {
    rmSync(scratch, { recursive: true, force: true });
  });
  mkdirSync(runcRoot, { recursive: true });

  const layout = standins.map((name, i) => ({ name, ip: `${subnet}.${String(10 + i)}` }));
  createNetwork([...layout, { name: 'api', ip: apiServerIp }, { name: 'client', ip: clientIp }]);
  writeFileSync(join(scratch, 'hosts'), hostsFile(layout));

  const api = await startApiServer(scratch);
  log('kube-apiserver is up; applying the namespace, Prometheus\' ServiceAccount, Role and RoleBinding from k8s/00-platform.yaml');
  const rbac = objects.filter((object) => ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding'].includes(object.kind) && (object.kind === 'Namespace' || object.metadata.name.startsWith('prometheus')));
  api.kubectl(['apply', '-f', '-'], rbac.map((object) => JSON.stringify(object)).join('\n'));
  const token = api.kubectl(['create', 'token', 'prometheus', '-n', namespace, '--duration=1h']).trim();
  const serviceAccount = join(scratch, 'serviceaccount');
  mkdirSync(serviceAccount);
  writeFileSync(join(serviceAccount, 'token'), token);
  writeFileSync(join(serviceAccount, 'ca.crt'), readFileSync(api.caFile));
  writeFileSync(join(serviceAccount, 'namespace'), namespace);
  const links = serviceLinks(layout);

  const pods = new Map<string, Pod>();
  // METROX_VERIFY_LOGS=<dir> keeps each container's log there.
  const keepLogs = process.env.METROX_VERIFY_LOGS;
  if (keepLogs !== undefined) {
    cleanups.push(() => {
      mkdirSync(keepLogs, { recursive: true });
      for (const pod of pods.values()) writeFileSync(join(keepLogs, `${pod.name}.log`), pod.logs());
    });
  }
  for (const { name, ip } of layout) {
    const workload = workloads.find((w) => w.metadata.name === name);
    if (workload === undefined) throw new Error(`k8s/00-platform.yaml has no workload ${name}`);
    const reference = workload.spec.template.spec.containers[0]?.image ?? '';
    const archive = built.get(reference);
    if (archive === undefined) throw new Error(`no archive for ${reference} (build it with scripts/images/standins/build.sh)`);
    const mounts = workload.spec.template.spec.serviceAccountName === undefined ? [] : [{ destination: '/var/run/secrets/kubernetes.io/serviceaccount', source: serviceAccount }];
    const pod = createPod(name, ip, workload, archive, scratch, links, mounts);
    pods.set(name, pod);
    // The Pod object, Running at its address, for Prometheus to discover.
    const podSpec = workload.spec.template.spec;
    const claimVolumes = (workload.spec.volumeClaimTemplates ?? []).map((claim) => ({ name: claim.metadata.name, persistentVolumeClaim: { claimName: `${claim.metadata.name}-${name}-0` } }));
    const object = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...workload.spec.template.metadata, name: `${name}-0`, namespace },
      spec: { ...podSpec, volumes: [...(podSpec.volumes ?? []), ...claimVolumes] },
    };
    api.kubectl(['apply', '-f', '-'], JSON.stringify(object));
    api.kubectl(['patch', 'pod', `${name}-0`, '-n', namespace, '--subresource=status', '--type=merge', '-p',
      JSON.stringify({ status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: ip } })]);
  }
  for (const pod of pods.values()) {
    log(`starting ${pod.name} (${pod.container.image}) at ${pod.ip}`);
    pod.start();
  }
  for (const pod of pods.values()) {
    await waitReady(pod, 180_000);
    checkProcessContract(pod);
  }
  const get = (name: string) => {
    const pod = pods.get(name);
    if (pod === undefined) throw new Error(`no pod ${name}`);
    return pod;
  };
  await checkPostgres(get('postgres'));
  await checkRabbitMq(get('rabbitmq'));
  await checkTelemetry(get('otel-collector'), get('jaeger'), get('prometheus'));
  log(`all ${String(checks.length)} checks passed`);
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error((error as Error).message);
} finally {
  for (const daemon of daemons.reverse()) await daemon.stop();
  for (const cleanup of cleanups.reverse()) {
    try {
      cleanup();
    } catch (error) {
      console.error(`cleanup: ${(error as Error).message}`);
    }
  }
  quietly('rmdir', [runcRoot]);
}
process.exit(failed ? 1 : 0);
