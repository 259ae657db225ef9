// The live feed behind WatchEvents. The event handler sends a NOTIFY inside its
// transaction; Postgres delivers it only after COMMIT, to every replica. So watchers of
// any replica see each applied event once, and never one that rolled back. The replica
// that applied an event also counts it in the business metrics (post-commit, exactly once).
// A batch of events announces them all in one NOTIFY, read back with one query.
import { listen, type Logger, type PgListener, type Pool } from '@metrox/kit';
import { EventEmitter } from 'node:events';
import { readEvents, type AppliedNotice, type LoggedEvent } from '../projections/apply.ts';

export const feedChannel = 'metrox_operations_events';

/** Postgres refuses a NOTIFY payload of 8,000 bytes or more. */
const maxPayloadBytes = 7_900;

/** What a notification says: the events applied (in order) and the replica that applied them. */
export interface Announced {
  ids: string[];
  origin: string;
}

const payload = (ids: string[], origin: string) => JSON.stringify({ ids, origin } satisfies Announced);

/** Sent by the applying statement: announces the event to every replica's feed on COMMIT. */
export function announcement(eventId: string, origin: string): AppliedNotice {
  return { channel: feedChannel, payload: payload([eventId], origin) };
}

/** Pure: the notices that announce a batch's events, as few as the payload limit allows (one for a usual batch). */
export function announcements(eventIds: readonly string[], origin: string): AppliedNotice[] {
  const notices: AppliedNotice[] = [];
  let ids: string[] = [];
  for (const id of eventIds) {
    if (ids.length > 0 && Buffer.byteLength(payload([...ids, id], origin)) > maxPayloadBytes) {
      notices.push({ channel: feedChannel, payload: payload(ids, origin) });
      ids = [];
    }
    ids.push(id);
  }
  if (ids.length > 0) notices.push({ channel: feedChannel, payload: payload(ids, origin) });
  return notices;
}

/** Pure: a notification's payload read back; also the single-id form older replicas send during a rollout. */
export function parseAnnouncement(payload: string): Announced {
  const parsed = JSON.parse(payload) as { ids?: unknown; id?: unknown; origin?: unknown };
  const ids = Array.isArray(parsed.ids) ? parsed.ids : [parsed.id];
  if (!ids.every((id): id is string => typeof id === 'string') || typeof parsed.origin !== 'string') {
    throw new Error(`not an event feed announcement: ${payload.slice(0, 200)}`);
  }
  return { ids, origin: parsed.origin };
}

export class EventFeed {
  /** This replica's identity in NOTIFY payloads. */
  readonly origin: string;
  readonly #emitter = new EventEmitter();
  readonly #pool: Pool;
  readonly #logger: Logger;
  readonly #onApplied: (event: LoggedEvent) => void;
  #listener: PgListener | undefined;
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
    this.#listener = await listen(this.#pool, feedChannel, {
      onNotification: (payload) => {
        if (payload) void this.#deliver(payload);
      },
      onLost: (error) => {
        this.#logger.warn({ err: error }, 'event feed lost its database connection; reconnecting');
        this.#listener = undefined;
        this.#scheduleReconnect();
      },
    });
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
      const { ids, origin } = parseAnnouncement(payload);
      const events = new Map((await readEvents(this.#pool, ids)).map((event) => [event.id, event]));
      // In the order they were applied, which readEvents does not keep.
      for (const id of ids) {
        const event = events.get(id);
        if (!event) continue;
        if (origin === this.origin) this.#onApplied(event);
        this.#emitter.emit('event', event);
      }
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
    await listener?.close();
  }

  onClose(listener: () => void): () => void {
    this.#emitter.on('close', listener);
    return () => this.#emitter.off('close', listener);
  }
}
