// The live feed behind WatchEvents. The event handler sends a NOTIFY inside its
// transaction; Postgres delivers it only after COMMIT, to every replica. So watchers of
// any replica see each applied event once, and never one that rolled back. The replica
// that applied an event also counts it in the business metrics (post-commit, exactly once).
import type { Logger, Pool } from '@metrox/kit';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { readEvents, type AppliedNotice, type LoggedEvent } from '../projections/apply.ts';

export const feedChannel = 'metrox_operations_events';

/** Sent by the applying statement: announces the event to every replica's feed on COMMIT. */
export function announcement(eventId: string, origin: string): AppliedNotice {
  return { channel: feedChannel, payload: JSON.stringify({ id: eventId, origin }) };
}

export class EventFeed {
  /** This replica's identity in NOTIFY payloads. */
  readonly origin: string;
  readonly #emitter = new EventEmitter();
  readonly #pool: Pool;
  readonly #logger: Logger;
  readonly #onApplied: (event: LoggedEvent) => void;
  #listener: { client: pg.PoolClient; release: (broken: boolean) => void } | undefined;
  #closed = false;
  #reconnect: NodeJS.Timeout | undefined;

  constructor(options: { origin: string; pool: Pool; logger: Logger; onAppliedHere: (event: LoggedEvent) => void }) {
    this.origin = options.origin;
    this.#pool = options.pool;
    this.#logger = options.logger;
    this.#onApplied = options.onAppliedHere;
    this.#emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = await this.#pool.connect();
    const onNotification = (message: pg.Notification): void => {
      if (message.channel === feedChannel && message.payload) void this.#deliver(message.payload);
    };
    const onError = (error: Error): void => {
      this.#logger.warn({ err: error }, 'event feed lost its database connection; reconnecting');
      release(true);
      this.#listener = undefined;
      this.#scheduleReconnect();
    };
    // The pool hands the connection to others once it is back: the feed's handlers come off first.
    let released = false;
    const release = (broken: boolean): void => {
      if (released) return;
      released = true;
      client.removeListener('notification', onNotification);
      client.removeListener('error', onError);
      client.release(broken);
    };
    client.on('notification', onNotification);
    client.on('error', onError);
    try {
      await client.query(`LISTEN ${feedChannel}`);
    } catch (error) {
      release(true);
      throw error;
    }
    this.#listener = { client, release };
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#reconnect = setTimeout(() => {
      this.start().catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'event feed could not reconnect');
        this.#scheduleReconnect();
      });
    }, 1_000);
  }

  async #deliver(payload: string): Promise<void> {
    try {
      const { id, origin } = JSON.parse(payload) as { id: string; origin: string };
      const [event] = await readEvents(this.#pool, [id]);
      if (!event) return;
      if (origin === this.origin) this.#onApplied(event);
      this.#emitter.emit('event', event);
    } catch (error) {
      this.#logger.warn({ err: error }, 'event feed could not deliver a notification');
    }
  }

  /** Calls `listener` for every event applied from now on; returns the unsubscribe function. */
  subscribe(listener: (event: LoggedEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }

  /** Ends every subscription (watchers' streams are told by the `close` event) and releases the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnect);
    this.#emitter.emit('close');
    this.#emitter.removeAllListeners();
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) {
      await listener.client.query(`UNLISTEN ${feedChannel}`).catch(() => undefined);
      listener.release(false);
    }
  }

  onClose(listener: () => void): () => void {
    this.#emitter.on('close', listener);
    return () => this.#emitter.off('close', listener);
  }
}
