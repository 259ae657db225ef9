// Typed gRPC clients with a deadline on every call: a call without its own deadline
// gets the default one, so a slow peer can never hang the caller.
import { credentials, type Client, type ChannelCredentials, type Interceptor, InterceptingCall } from '@grpc/grpc-js';

export function deadlineInterceptor(defaultDeadlineMs: number): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall({ ...options, deadline: options.deadline ?? Date.now() + defaultDeadlineMs }));
}

export interface GrpcClientOptions {
  /** Deadline for calls that set none; default 2 s. */
  deadlineMs?: number;
  credentials?: ChannelCredentials;
}

/**
 * `createGrpcClient(proto.metrox.transaction.v1.TransactionService, 'localhost:50051')`
 * gives a TransactionServiceClient whose calls all carry a deadline.
 */
export function createGrpcClient<C extends Client>(
  ClientConstructor: new (address: string, credentials: ChannelCredentials, options?: object) => C,
  address: string,
  options: GrpcClientOptions = {},
): C {
  return new ClientConstructor(address, options.credentials ?? credentials.createInsecure(), {
    interceptors: [deadlineInterceptor(options.deadlineMs ?? 2_000)],
  });
}

/** Promise form of a unary call: `await unary(client, 'getTransaction', { id })`. */
export function unary<Req, Res>(
  call: (request: Req, callback: (error: Error | null, response?: Res) => void) => unknown,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    call(request, (error, response) => {
      if (error) reject(error);
      else if (response === undefined) reject(new Error('gRPC call returned no response'));
      else resolve(response);
    });
  });
}
