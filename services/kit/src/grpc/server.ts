// The gRPC scaffold: a grpc-js server with the standard grpc.health.v1 service and
// a metrics interceptor on every call (unary and streaming alike).
import {
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  status as grpcStatus,
  type ServerInterceptor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import type { KitMetrics } from '../metrics/registry.ts';
import { observeWithExemplar } from '../metrics/registry.ts';

/** Pure: `/metrox.transaction.v1.TransactionService/GetTransaction` → service and method. */
export function splitMethodPath(path: string): { service: string; method: string } {
  const [, service = '', method = ''] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
  return { service, method };
}

export function metricsInterceptor(metrics: Pick<KitMetrics, 'rpcServerDuration'>, logger: Logger): ServerInterceptor {
  return (methodDescriptor, call) => {
    const started = process.hrtime.bigint();
    const { service, method } = splitMethodPath(methodDescriptor.path);
    return new ServerInterceptingCall(call, {
      sendStatus: (status, next) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        observeWithExemplar(metrics.rpcServerDuration, { rpc_service: service, rpc_method: method, rpc_grpc_status_code: status.code }, seconds);
        if (status.code === grpcStatus.INTERNAL || status.code === grpcStatus.UNKNOWN) {
          logger.error({ rpcService: service, rpcMethod: method, code: status.code, details: status.details }, 'gRPC call failed');
        }
        next(status);
      },
    });
  };
}

export interface GrpcServer {
  server: Server;
  health: HealthImplementation;
  addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation): void;
  /** Binds and starts; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting calls, lets in-flight calls finish, forces after `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

export function createGrpcServer(options: { metrics: Pick<KitMetrics, 'rpcServerDuration'>; logger: Logger }): GrpcServer {
  const server = new Server({ interceptors: [metricsInterceptor(options.metrics, options.logger)] });
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  const services: string[] = [];
  return {
    server,
    health,
    addService(definition, implementation) {
      server.addService(definition, implementation);
      const first = Object.values(definition)[0];
      if (first) {
        const name = splitMethodPath(first.path).service;
        services.push(name);
        health.setStatus(name, 'NOT_SERVING');
      }
    },
    async listen(host, port) {
      const bound = await new Promise<number>((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, actual) => {
          if (error) reject(error);
          else resolve(actual);
        });
      });
      for (const name of ['', ...services]) health.setStatus(name, 'SERVING');
      return bound;
    },
    async shutdown(timeoutMs) {
      for (const name of ['', ...services]) health.setStatus(name, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
