// Test support: a throwaway RabbitMQ node of a test's own, for faults the shared broker must
// never see (a kill -9, a restart). Started from Debian's package as scripts/infra/up.sh
// starts the shared one, but with its own node name, EPMD, ports and folders under a
// temporary directory. EPMD and the node are tethered to the test process (they stop when
// it dies, however it dies); remove() stops both and deletes the folder.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnTethered, type TetheredProcess } from '@metrox/test/processes';

export interface QueueCounts {
  name: string;
  /** Ready plus unacknowledged. */
  messages: number;
}

export interface PrivateRabbitMq {
  /** amqp://guest:guest@127.0.0.1:port */
  readonly url: string;
  /** http://guest:guest@127.0.0.1:port (the management API). */
  readonly managementUrl: string;
  readonly running: boolean;
  /** Every queue of the default virtual host with its message count (the management API's view, refreshed every 500 ms). */
  queues(): Promise<QueueCounts[]>;
  /**
   * Stops the node and resolves once it is gone. `hard` is kill -9 of the Erlang VM: connections
   * cut, nothing flushed, as a crash; `graceful` is a clean shutdown.
   */
  stop(mode?: 'hard' | 'graceful'): Promise<void>;
  /** Starts it again with the same name, ports and data; resolves once it accepts work. */
  start(): Promise<void>;
  /** Stops it (hard: the data is thrown away anyway), stops its EPMD and deletes its folder. */
  remove(): Promise<void>;
}

export interface PrivateRabbitMqOptions {
  /** Extra lines for rabbitmq.conf (e.g. `heartbeat = 5`). */
  config?: string[];
  /** How long start() may take. */
  startTimeoutMs?: number;
}

const rabbitBin = '/usr/lib/rabbitmq/bin';

async function healthy(managementUrl: string, amqpPort: number): Promise<boolean> {
  const base = new URL(managementUrl);
  try {
    const response = await fetch(`${base.protocol}//${base.host}/api/health/checks/alarms`, {
      headers: { authorization: basicAuth(base) },
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return false;
  } catch {
    return false;
  }
  // The management listener may come up before the AMQP one.
  return new Promise((resolve) => {
    const socket = connect(amqpPort, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

function basicAuth(url: URL): string {
  return `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
}

export async function startPrivateRabbitMq(options: PrivateRabbitMqOptions = {}): Promise<PrivateRabbitMq> {
  const root = mkdtempSync(join(tmpdir(), 'metrox-rabbit-'));
  const [amqpPort, managementPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const nodeName = `metrox-${randomBytes(4).toString('hex')}@localhost`;
  const pidFile = join(root, 'rabbitmq.pid');
  for (const folder of ['mnesia', 'log', 'home']) mkdirSync(join(root, folder));
  writeFileSync(join(root, 'enabled_plugins'), '[rabbitmq_management].\n');
  writeFileSync(
    join(root, 'rabbitmq.conf'),
    [
      'listeners.tcp.default = 127.0.0.1:' + String(amqpPort),
      'management.tcp.ip = 127.0.0.1',
      `management.tcp.port = ${String(managementPort)}`,
      // Queue counts a test waits on should not lag by the default 5 s.
      'collect_statistics_interval = 500',
      'loopback_users = none',
      'vm_memory_high_watermark.relative = 0.2',
      'disk_free_limit.absolute = 200MB',
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(root, 'home'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_MNESIA_BASE: join(root, 'mnesia'),
    RABBITMQ_LOG_BASE: join(root, 'log'),
    RABBITMQ_CONFIG_FILE: join(root, 'rabbitmq'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(root, 'enabled_plugins'),
    RABBITMQ_PID_FILE: pidFile,
  };
  const url = `amqp://guest:guest@127.0.0.1:${String(amqpPort)}`;
  const managementUrl = `http://guest:guest@127.0.0.1:${String(managementPort)}`;
  const management = new URL(managementUrl);
  const api = (path: string): string => `${management.protocol}//${management.host}/api${path}`;

  // Its own EPMD, in the foreground (not -daemon), so it is tethered like the node.
  const epmd = spawnTethered('epmd', 'epmd', ['-address', '127.0.0.1', '-port', String(epmdPort)], join(root, 'epmd.log'), env);
  let node: TetheredProcess | undefined;
  // Should the test process end without remove(), the tethers stop the servers; this takes the node
  // down first and its folder with it.
  const onExit = (): void => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // not running
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const instance: PrivateRabbitMq = {
    url,
    managementUrl,
    get running() {
      return node !== undefined;
    },
    async queues() {
      const response = await fetch(api('/queues/%2F?columns=name,messages'), { headers: { authorization: basicAuth(management) }, signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`RabbitMQ management answered ${String(response.status)}`);
      const queues = (await response.json()) as { name: string; messages?: number }[];
      return queues.map((queue) => ({ name: queue.name, messages: queue.messages ?? 0 }));
    },
    async start() {
      if (node) return;
      const started = spawnTethered('rabbitmq', join(rabbitBin, 'rabbitmq-server'), [], join(root, 'server.log'), env);
      node = started;
      const state = { exited: false };
      void started.exited.then(() => {
        state.exited = true;
        if (node === started) node = undefined;
      });
      const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
      while (!(await healthy(managementUrl, amqpPort))) {
        if (state.exited || Date.now() > deadline) {
          await started.stop();
          throw new Error(`private RabbitMQ ${nodeName} did not start${state.exited ? ' (it exited)' : ''}:\n${started.logTail(30)}`);
        }
        await sleep(250);
      }
    },
    async stop(mode = 'hard') {
      const running = node;
      if (!running) return;
      if (mode === 'graceful') {
        await running.stop();
      } else {
        // The pid file holds the Erlang VM's pid (the script above it waits on the VM and exits with it).
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
        await running.exited;
      }
      node = undefined;
    },
    async remove() {
      await instance.stop('hard').catch(async () => node?.stop());
      await epmd.stop();
      rmSync(root, { recursive: true, force: true });
      process.off('exit', onExit);
    },
  };
  try {
    await instance.start();
  } catch (error) {
    await epmd.stop();
    rmSync(root, { recursive: true, force: true });
    process.off('exit', onExit);
    throw error;
  }
  return instance;
}
