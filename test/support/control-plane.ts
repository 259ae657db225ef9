// A real Kubernetes control plane for tests and benchmarks: etcd + kube-apiserver
// (the envtest arrangement), built from their Go modules by scripts/control-plane/build.sh.
// Each call starts a fresh pair on free loopback ports with its own data directory;
// stop() (and, failing that, the end of the test process) tears it all down.
// connectControlPlane() reaches one started elsewhere (the integration run's shared
// control plane, see global-control-plane.ts) from its kubeconfig alone.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './endpoints.ts';
import { freePort, spawnTethered, waitUntil, type TetheredProcess } from './processes.ts';

/** What a client of a control plane needs: where it is and who may talk to it. */
export interface ControlPlaneAccess {
  /** https URL of the API server. */
  readonly url: string;
  /** Path of an admin kubeconfig (group system:masters). */
  readonly kubeconfigPath: string;
  /** Admin client configuration. */
  readonly kubeConfig: KubeConfig;
  /** A client configuration that authenticates as the ServiceAccount (created if missing). */
  serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig>;
  /** The requests the audit policy recorded so far, in order (none when started without `audit`). */
  auditedRequests(): AuditedRequest[];
}

/** Which requests the API server records in its audit log (metadata only). */
export interface AuditOptions {
  /** Kubernetes verbs (create, update, patch, delete, get, list, watch…); all when absent. */
  verbs?: string[];
  /** User names; every user when absent. */
  users?: string[];
}

/** One request as the API server's audit log has it. */
export interface AuditedRequest {
  verb: string;
  user: string;
  userAgent: string;
  resource: string;
  subresource: string;
  namespace: string;
  code: number;
}

/** The kubernetes verbs that change something. */
export const writeVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** A started control plane: its processes are ours to restart and stop. */
export interface ControlPlane extends ControlPlaneAccess {
  /** The API server's audit log, when started with `audit`. */
  readonly auditLogPath: string | undefined;
  /** The running API server process (a new one after restartApiServer()). */
  readonly apiServer: TetheredProcess;
  /**
   * Stops the API server, keeps it down for `downMs`, and starts it again on the
   * same port with the same etcd, certificates and tokens; resolves when it is ready.
   */
  restartApiServer(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Builds (or finds in the cache, or in KUBEBUILDER_ASSETS) the binaries; returns their folder. */
export function controlPlaneBinaries(options: { cluster?: boolean } = {}): string {
  const args = [join(repoRoot, 'scripts', 'control-plane', 'build.sh')];
  if (options.cluster === true) args.push('--cluster');
  const out = execFileSync('bash', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = out.trim().split('\n').pop() ?? '';
  if (!existsSync(join(dir, 'kube-apiserver'))) throw new Error(`control-plane build printed no binary folder (got "${dir}")`);
  return dir;
}

function scratchDir(): string {
  // tmpfs keeps etcd's writes off the disk where there is one.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, 'metrox-cp-'));
}

function httpsGet(url: string, token: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, ca, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

function kubeConfigFor(server: string, caData: string, user: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'metrox-test', server, caData, skipTLSVerify: false }],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: 'metrox-test', user }],
    currentContext: user,
  });
  return kc;
}

function auditPolicy(options: AuditOptions): object {
  const rule: Record<string, unknown> = { level: 'Metadata' };
  if (options.verbs !== undefined) rule.verbs = options.verbs;
  if (options.users !== undefined) rule.users = options.users;
  return { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived', 'ResponseStarted'], rules: [rule, { level: 'None' }] };
}

/** Pure: the requests in an audit log (JSON lines, one event per line). */
export function parseAuditLog(text: string): AuditedRequest[] {
  const requests: AuditedRequest[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const event = JSON.parse(line) as {
      verb?: string;
      stage?: string;
      user?: { username?: string };
      userAgent?: string;
      objectRef?: { resource?: string; subresource?: string; namespace?: string };
      responseStatus?: { code?: number };
    };
    if (event.stage !== 'ResponseComplete') continue;
    requests.push({
      verb: event.verb ?? '',
      user: event.user?.username ?? '',
      userAgent: event.userAgent ?? '',
      resource: event.objectRef?.resource ?? '',
      subresource: event.objectRef?.subresource ?? '',
      namespace: event.objectRef?.namespace ?? '',
      code: event.responseStatus?.code ?? 0,
    });
  }
  return requests;
}

function readAuditLog(path: string | undefined): AuditedRequest[] {
  // Written before each response is sent (the log backend's blocking mode).
  if (path === undefined || !existsSync(path)) return [];
  return parseAuditLog(readFileSync(path, 'utf8'));
}

/** Reaches a control plane from its admin kubeconfig (and its audit log, if it keeps one). */
export function connectControlPlane(kubeconfigPath: string, auditLogPath?: string): ControlPlaneAccess {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error(`${kubeconfigPath} names no current cluster`);
  const caData = cluster.caData ?? '';
  return {
    url: cluster.server,
    kubeconfigPath,
    kubeConfig,
    async serviceAccountKubeConfig(namespace, name) {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreConflict);
      await core
        .createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace } } })
        .catch(ignoreConflict);
      const request = await core.createNamespacedServiceAccountToken({
        name,
        namespace,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const token = request.status?.token;
      if (token === undefined) throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
      return kubeConfigFor(cluster.server, caData, `system:serviceaccount:${namespace}:${name}`, token);
    },
    auditedRequests: () => readAuditLog(auditLogPath),
  };
}

export async function startControlPlane(options: { audit?: AuditOptions } = {}): Promise<ControlPlane> {
  const bin = controlPlaneBinaries();
  const dir = scratchDir();
  const processes: TetheredProcess[] = [];
  const stopAll = async () => {
    for (const p of processes.reverse()) await p.stop();
    if (process.env.METROX_KEEP_CONTROL_PLANE !== '1') rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    processes.push(
      spawnTethered('etcd', join(bin, 'etcd'), [
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ], join(dir, 'etcd.log')),
    );

    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(join(dir, 'sa.key'), privateKey);
    writeFileSync(join(dir, 'sa.pub'), publicKey);
    const adminToken = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${adminToken},metrox-admin,metrox-admin,system:masters\n`);
    const certDir = join(dir, 'certs');

    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${certDir}`,
      // Room for thousands of Services: the operator benchmark creates 1,000.
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      '--disable-admission-plugins=ServiceAccount',
      '--service-account-issuer=https://metrox.test',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--endpoint-reconciler-type=none',
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--v=0',
    ];
    const auditLogPath = options.audit === undefined ? undefined : join(dir, 'audit.log');
    if (options.audit !== undefined && auditLogPath !== undefined) {
      writeFileSync(join(dir, 'audit-policy.json'), JSON.stringify(auditPolicy(options.audit)));
      apiServerArgs.push(`--audit-policy-file=${join(dir, 'audit-policy.json')}`, `--audit-log-path=${auditLogPath}`, '--audit-log-format=json');
    }
    const url = `https://127.0.0.1:${apiPort}`;
    const caFile = join(certDir, 'apiserver.crt');
    const launchApiServer = async (): Promise<TetheredProcess> => {
      const started = spawnTethered('kube-apiserver', join(bin, 'kube-apiserver'), apiServerArgs, join(dir, 'kube-apiserver.log'));
      processes.push(started);
      await waitUntil(
        async () => {
          if (!existsSync(caFile)) return false;
          const res = await httpsGet(`${url}/readyz`, adminToken, readFileSync(caFile));
          return res.status === 200;
        },
        90_000,
        () => `kube-apiserver did not become ready in 90 s:\n${started.logTail()}\n--- etcd ---\n${processes[0]?.logTail() ?? ''}`,
      );
      return started;
    };
    let apiServer = await launchApiServer();

    const caData = readFileSync(caFile).toString('base64');
    const kubeConfig = kubeConfigFor(url, caData, 'metrox-admin', adminToken);
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, kubeConfig.exportConfig());

    const access = connectControlPlane(kubeconfigPath, auditLogPath);
    return {
      ...access,
      auditLogPath,
      get apiServer() {
        return apiServer;
      },
      async restartApiServer(options = {}) {
        await apiServer.stop();
        processes.splice(processes.indexOf(apiServer), 1);
        await new Promise((resolve) => setTimeout(resolve, options.downMs ?? 0));
        apiServer = await launchApiServer();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function ignoreConflict(error: unknown): void {
  if ((error as { code?: number }).code !== 409) throw error;
}
