// Picks the broker implementation from configuration (BROKER=rabbitmq|nats).
import { defaultRetryPolicy } from '@metrox/contracts/broker-topology';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.ts';
import type { Broker } from './broker.ts';
import { JetStreamBroker } from './jetstream.ts';
import { RabbitMqBroker } from './rabbitmq.ts';

export function createBroker(config: BrokerConfig, logger: Logger): Broker {
  return config.kind === 'nats'
    ? new JetStreamBroker({ url: config.url, stream: config.stream, subjectPrefix: config.subjectPrefix, logger })
    : new RabbitMqBroker({ url: config.url, exchange: config.exchange, logger, retry: config.retry ?? defaultRetryPolicy, topology: config.topology ?? 'declare' });
}
