// A background loop over a table of due work (the outbox, notifications to send…): it
// runs a step while the step reports more work, otherwise sleeps until a Postgres
// NOTIFY on its channel, the poll interval, or a backoff after failures. The NOTIFY only
// shortens the wait; polling alone is correct, so a lost listener costs latency, not work.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Pool } from './pool.ts';

/** more: run again at once; idle: nothing was due; failed: back off before the next step. */
export type StepResult = 'more' | 'idle' | 'failed';

export interface NotifiedWorkerOptions {
  /** What the worker is, for its log lines ("outbox relay"). */
  name: string;
  pool: Pool;
  /** Postgres channel whose NOTIFY wakes the worker (a plain identifier). */
  channel: string;
  pollIntervalMs: number;
  logger: Logger;
  /** One unit of work; a throw counts as 'failed' and is logged. */
  step: () => Promise<StepResult>;
  /** Delay after `failures` consecutive failures; defaults to 250 ms doubling up to 30 s. */
  backoffMs?: (failures: number) => number;
}

const identifier = /^[a-z_][a-z0-9_]*$/;

/** Pure: the default backoff, 250 ms doubling per consecutive failure, capped at 30 s. */
export function defaultBackoffMs(failures: number): number {
  return Math.min(30_000, 250 * 2 ** Math.min(Math.max(failures, 1), 7));
}

export class NotifiedWorker {
  readonly #options: NotifiedWorkerOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** After a failure the wait is a backoff: a NOTIFY must not cut it short. */
  #wakeOnNotify = true;
  /** A NOTIFY came while a step ran: that step may have missed its rows, so run again. */
  #notifiedDuringStep = false;
  #listener: pg.PoolClient | undefined;

  constructor(options: NotifiedWorkerOptions) {
    if (!identifier.test(options.channel)) throw new Error(`channel "${options.channel}" is not a plain lower-case identifier`);
    this.#options = options;
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#listen();
    this.#loop = this.#run();
  }

  /** Lets the step in progress finish, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN ${this.#options.channel}`).catch(() => undefined);
      listener.release();
    }
  }

  async #run(): Promise<void> {
    const { logger, name, pollIntervalMs, step } = this.#options;
    const backoff = this.#options.backoffMs ?? defaultBackoffMs;
    let failures = 0;
    while (this.#running) {
      this.#notifiedDuringStep = false;
      let result: StepResult;
      try {
        result = await step();
      } catch (error) {
        result = 'failed';
        logger.error({ err: error, failures: failures + 1 }, `${name} failed; retrying`);
      }
      failures = result === 'failed' ? failures + 1 : 0;
      if (result === 'more') continue;
      // A listener lost with its connection is replaced once the database answers again.
      if (!this.#listener && failures === 0) await this.#listen();
      await this.#sleep(failures > 0 ? backoff(failures) : pollIntervalMs, failures === 0);
    }
  }

  async #sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
    if (!this.#running) return;
    // A NOTIFY since the step began may be for rows that step did not see.
    if (wakeOnNotify && this.#notifiedDuringStep) return;
    this.#wakeOnNotify = wakeOnNotify;
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#wake = finish;
    });
  }

  async #listen(): Promise<void> {
    const { pool, channel, logger, name } = this.#options;
    try {
      const listener = await pool.connect();
      listener.on('notification', () => {
        if (this.#wake === undefined) this.#notifiedDuringStep = true;
        else if (this.#wakeOnNotify) this.#wake();
      });
      listener.on('error', () => {
        // Polling carries on without the wake-up until the loop listens again.
        if (this.#listener === listener) this.#listener = undefined;
        listener.release(true);
      });
      await listener.query(`LISTEN ${channel}`);
      // stop() may have run meanwhile and would never release this one.
      if (!this.#running) {
        listener.release();
        return;
      }
      this.#listener = listener;
    } catch (error) {
      logger.warn({ err: error }, `${name} polls without LISTEN/NOTIFY`);
    }
  }
}
