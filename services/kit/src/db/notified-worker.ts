// A background loop over a table of due work (the outbox, notifications to send…): it
// runs a step while the step reports more work, otherwise sleeps until a Postgres
// NOTIFY on its channel, the poll interval, or a backoff after failures. The NOTIFY only
// shortens the wait; polling alone is correct, so a lost listener costs latency, not work.
import type { Logger } from 'pino';
import { isPlainChannel, listen, type PgListener } from './listener.ts';
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
  /** Loops stepping side by side over one listener (default 1); the step must then be safe to run concurrently (SKIP LOCKED). */
  loops?: number;
}

/** Pure: the default backoff, 250 ms doubling per consecutive failure, capped at 30 s. */
export function defaultBackoffMs(failures: number): number {
  return Math.min(30_000, 250 * 2 ** Math.min(Math.max(failures, 1), 7));
}

/** One loop's state: how it is sleeping, and whether a NOTIFY came while it stepped. */
interface Loop {
  wake: (() => void) | undefined;
  /** After a failure the wait is a backoff: a NOTIFY must not cut it short. */
  wakeOnNotify: boolean;
  /** A NOTIFY came while a step ran: that step may have missed its rows, so run again. */
  notifiedDuringStep: boolean;
}

export class NotifiedWorker {
  readonly #options: NotifiedWorkerOptions;
  #running = false;
  #loops: Promise<void>[] = [];
  readonly #states = new Set<Loop>();
  #listener: PgListener | undefined;
  #listening: Promise<void> | undefined;

  constructor(options: NotifiedWorkerOptions) {
    if (!isPlainChannel(options.channel)) throw new Error(`channel "${options.channel}" is not a plain lower-case identifier`);
    if (options.loops !== undefined && (!Number.isInteger(options.loops) || options.loops < 1)) throw new Error('loops must be a positive integer');
    this.#options = options;
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#listen();
    this.#loops = Array.from({ length: this.#options.loops ?? 1 }, () => this.#run());
  }

  /** Lets the steps in progress finish, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const loop of this.#states) loop.wake?.();
    await Promise.all(this.#loops);
    await this.#listening;
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
  }

  async #run(): Promise<void> {
    const { logger, name, pollIntervalMs, step } = this.#options;
    const backoff = this.#options.backoffMs ?? defaultBackoffMs;
    const loop: Loop = { wake: undefined, wakeOnNotify: true, notifiedDuringStep: false };
    this.#states.add(loop);
    let failures = 0;
    while (this.#running) {
      loop.notifiedDuringStep = false;
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
      await this.#sleep(loop, failures > 0 ? backoff(failures) : pollIntervalMs, failures === 0);
    }
    this.#states.delete(loop);
  }

  async #sleep(loop: Loop, ms: number, wakeOnNotify: boolean): Promise<void> {
    if (!this.#running) return;
    // A NOTIFY since the step began may be for rows that step did not see.
    if (wakeOnNotify && loop.notifiedDuringStep) return;
    loop.wakeOnNotify = wakeOnNotify;
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        loop.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      loop.wake = finish;
    });
  }

  #notified(): void {
    for (const loop of this.#states) {
      if (loop.wake === undefined) loop.notifiedDuringStep = true;
      else if (loop.wakeOnNotify) loop.wake();
    }
  }

  /** Connects the listener; loops that ask while a connect is under way share it. */
  #listen(): Promise<void> {
    this.#listening ??= this.#connectListener().finally(() => {
      this.#listening = undefined;
    });
    return this.#listening;
  }

  async #connectListener(): Promise<void> {
    const { pool, channel, logger, name } = this.#options;
    try {
      const listener: PgListener = await listen(pool, channel, {
        onNotification: () => {
          this.#notified();
        },
        // Polling carries on without the wake-up until a loop listens again.
        onLost: () => {
          if (this.#listener === listener) this.#listener = undefined;
        },
      });
      // stop() may have run meanwhile and would never close this one.
      if (this.#running) this.#listener = listener;
      else await listener.close();
    } catch (error) {
      logger.warn({ err: error }, `${name} polls without LISTEN/NOTIFY`);
    }
  }
}
