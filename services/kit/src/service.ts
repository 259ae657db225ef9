// createService: one declaration (routes, gRPC handlers, event handlers, migrations)
// becomes a running service with logs, metrics, traces, health, outbox, inbox and
// graceful shutdown. runService adds the process edge: signals and a bounded exit.
import type { FastifyInstance } from 'fastify';
import type { ServiceDeclaration } from '@metrox/contracts/declaration';
import type pino from 'pino';
import { declarationMismatches, mismatchMessage } from './declaration-check.ts';
import { loadConfig, type ConfigDefaults, type KitConfig } from './config.ts';
import { kitMigrations } from './db/kit-migrations.ts';
import { migrate, migrationsFromDirectory, type Migration } from './db/migrate.ts';
import { untilAvailable } from './startup.ts';
import { createPool, isDatabaseReachable, withTransaction, type Pool, type Tx } from './db/pool.ts';
import { createGrpcServer, type GrpcServer } from './grpc/server.ts';
import { createHttpServer, type ReadinessCheck } from './http/server.ts';
import { createLogger, type Logger } from '@metrox/telemetry';
import { createMetrics, type KitMetrics } from './metrics/registry.ts';
import type { Broker, ConsumerHandle } from './messaging/broker.ts';
import { createBroker } from './messaging/create-broker.ts';
import { startInbox, type EventHandlers, type InboxBatchOptions } from './messaging/inbox.ts';
import { effectiveBatchLimits } from './messaging/batcher.ts';
import { createOutboxPublisher, type PublishInTransaction } from './messaging/outbox.ts';
import { OutboxRelay, readOutboxBacklog } from './messaging/relay.ts';
import { shutdownTelemetry } from '@metrox/telemetry';

/** What a service's routes, gRPC handlers and event handlers get to work with. */
export interface Kit {
  config: KitConfig;
  logger: Logger;
  metrics: KitMetrics;
  pool: Pool;
  broker: Broker;
  /** Writes an event into the outbox inside `tx`; it is published after COMMIT. */
  publish: PublishInTransaction;
  withTransaction: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
}

interface DefinitionBody {
  version?: string;
  description?: string;
  /** The service's migrations, or a folder of `NNN_name.sql` files. The kit's own tables come first. */
  migrations?: Migration[] | string;
  /** Declare fastify routes with JSON schemas: validation and /openapi.json follow from them. */
  routes?: (app: FastifyInstance, kit: Kit) => Promise<void> | void;
  /** Add gRPC services: `server.addService(proto…Service.service, handlers)`. */
  grpc?: (server: GrpcServer, kit: Kit) => Promise<void> | void;
  /**
   * Event handlers by type; each runs in the inbox transaction. `consumer` defaults to the
   * service name; `prefetch` (deliveries in flight, default 16) is overridden by CONSUMER_PREFETCH.
   * `batch` opts in to applying deliveries that arrived together in one transaction (at most
   * `maxSize`, capped by the prefetch; the first waits at most `maxWaitMs` for more; `inFlight`
   * batches at once, default 1);
   * CONSUMER_BATCH=off turns it off.
   */
  events?: { consumer?: string; handlers: EventHandlers; prefetch?: number; batch?: InboxBatchOptions };
  /** Environment to read instead of process.env (tests). */
  env?: NodeJS.ProcessEnv;
  /** Where log lines go instead of stdout (tests). */
  logDestination?: pino.DestinationStream;
}

/**
 * A service of the fleet names its declaration (@metrox/contracts/declaration): name,
 * ports and metrics path come from it, and the start-up check compares it with what the
 * operator injected and with the handlers. Tools and tests may give a bare name instead.
 */
export type ServiceDefinition = DefinitionBody &
  (
    | { declaration: ServiceDeclaration; name?: never; ports?: never }
    | {
        declaration?: never;
        /** Service name (CloudEvents source, queue name, metrics and log `service`); SERVICE_NAME overrides. */
        name: string;
        /** Default ports; PORT and GRPC_PORT override. */
        ports?: { http?: number; grpc?: number };
      }
  );

export interface Service {
  kit: Kit;
  app: FastifyInstance;
  grpc: GrpcServer;
  relay: OutboxRelay;
  /** Starts the relay and the consumers, then listens; resolves with the bound ports. */
  start(): Promise<{ httpPort: number; grpcPort: number }>;
  /** Graceful: not ready → stop consumers → drain HTTP and gRPC → stop relay → close broker and pool → flush telemetry. */
  stop(): Promise<void>;
}

export async function createService(definition: ServiceDefinition): Promise<Service> {
  const { declaration } = definition;
  const ports = declaration?.ports ?? definition.ports;
  const defaults: ConfigDefaults = {
    name: declaration?.name ?? definition.name ?? '',
    ...(definition.version ? { version: definition.version } : {}),
    ...(ports?.http === undefined ? {} : { httpPort: ports.http }),
    ...(ports?.grpc === undefined ? {} : { grpcPort: ports.grpc }),
    ...(definition.events?.prefetch === undefined ? {} : { consumerPrefetch: definition.events.prefetch }),
    ...(declaration === undefined ? {} : { metricsPath: declaration.metricsPath }),
  };
  const config = loadConfig(defaults, definition.env);
  const logger = createLogger({
    serviceName: config.serviceName,
    serviceVersion: config.serviceVersion,
    level: config.logLevel,
    ...(definition.logDestination ? { destination: definition.logDestination } : {}),
  });
  const consumer = definition.events?.consumer ?? config.serviceName;
  if (declaration !== undefined) {
    const problems = declarationMismatches({ declaration, handled: Object.keys(definition.events?.handlers ?? {}), consumer }, config.injected);
    if (problems.length > 0) {
      const message = mismatchMessage(declaration.name, problems);
      logger.fatal(message);
      logger.flush();
      throw new Error(message);
    }
  }
  // Nonsense batch limits fail here, before anything connects.
  if (definition.events?.batch) effectiveBatchLimits(definition.events.batch, config.consumer.prefetch);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: every MetroX service owns a database');

  const metrics = createMetrics();
  const pool = createPool(config.databaseUrl, config.databasePoolMax, logger);
  const serviceMigrations =
    typeof definition.migrations === 'string' ? migrationsFromDirectory(definition.migrations) : (definition.migrations ?? []);
  const waiting = { timeoutMs: config.startupTimeoutMs, logger };
  const applied = await untilAvailable('Postgres', () => migrate(pool, [...kitMigrations, ...serviceMigrations]), waiting);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  metrics.setOutboxBacklogSource(() => readOutboxBacklog(pool));

  const broker = createBroker(config.broker, logger);
  await untilAvailable(broker.kind === 'nats' ? 'NATS' : 'RabbitMQ', () => broker.connect(), waiting);
  metrics.setDeadLetterSource(() => broker.deadLetterDepths());

  const kit: Kit = {
    config,
    logger,
    metrics,
    pool,
    broker,
    publish: createOutboxPublisher(config.serviceName),
    withTransaction: (work) => withTransaction(pool, work),
  };

  const readiness: ReadinessCheck[] = [
    { name: 'database', check: () => isDatabaseReachable(pool) },
    { name: 'broker', check: () => Promise.resolve(broker.isConnected()) },
  ];
  const http = await createHttpServer({
    serviceName: config.serviceName,
    serviceVersion: config.serviceVersion,
    logger,
    metrics,
    readiness,
    faults: config.faults,
    admission: config.admission,
    poolWaiting: () => pool.waitingCount,
    metricsPath: config.metricsPath,
    ...(definition.description ? { description: definition.description } : {}),
  });
  metrics.setActiveRequestsSource(http.inFlight);
  await definition.routes?.(http.app, kit);

  const grpc = createGrpcServer({ metrics, logger });
  await definition.grpc?.(grpc, kit);

  const relay = new OutboxRelay({ pool, broker, logger, metrics, ...config.outbox });
  let inbox: ConsumerHandle | undefined;
  let stopping: Promise<void> | undefined;

  const stop = async (): Promise<void> => {
    const step = async (name: string, work: () => Promise<void>) => {
      await work();
      logger.debug({ step: name }, 'shutdown step done');
    };
    http.setDraining();
    await step('consumers', async () => inbox?.stop());
    await step('http', () => http.app.close());
    await step('grpc', () => grpc.shutdown(Math.max(1_000, config.shutdownTimeoutMs / 2)));
    await step('relay', () => relay.stop());
    await step('broker', () => broker.close());
    await step('database', () => pool.end());
    logger.info('stopped');
    logger.flush();
    await shutdownTelemetry();
  };

  return {
    kit,
    app: http.app,
    grpc,
    relay,
    async start() {
      // Queues are declared and bound before the service reports ready: an event published
      // to the exchange before its subscriber's binding exists would be routed nowhere.
      await relay.start();
      const handlers = definition.events?.handlers;
      if (handlers && Object.keys(handlers).length > 0) {
        const startConsumer = () =>
          startInbox({
            consumer,
            handlers,
            pool,
            broker,
            publish: kit.publish,
            logger,
            metrics,
            retry: { maxAttempts: config.consumer.maxAttempts, baseDelayMs: config.consumer.retryBaseMs, maxDelayMs: config.consumer.retryMaxMs },
            prefetch: config.consumer.prefetch,
            ...(definition.events?.batch && config.consumer.batch ? { batch: definition.events.batch } : {}),
          });
        // With the operator owning the topology its queues may still be on their way: wait for
        // them as for Postgres and the broker, then refuse to start, naming what is missing.
        inbox = config.injected.queue === undefined ? await startConsumer() : await untilAvailable('the broker topology', startConsumer, waiting);
      }
      await http.app.listen({ host: config.host, port: config.httpPort });
      const address = http.app.server.address();
      const httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
      const grpcPort = await grpc.listen(config.host, config.grpcPort);
      logger.info({ httpPort, grpcPort, broker: broker.kind }, 'started');
      return { httpPort, grpcPort };
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

/**
 * The entry point of a service process: create, start, and stop gracefully on SIGTERM
 * or SIGINT, exiting within SHUTDOWN_TIMEOUT_MS even if something hangs.
 */
export async function runService(definition: ServiceDefinition): Promise<Service> {
  const service = await createService(definition);
  const { logger, config } = service.kit;
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await service.start();
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    await service.stop().catch(() => undefined);
    throw error;
  }
  return service;
}
