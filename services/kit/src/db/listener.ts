// One pooled connection LISTENing on a Postgres channel. The connection goes back to the
// pool afterwards, so the listener's handlers come off it first (a later user of the
// connection must not receive this listener's notifications or errors), and it is
// released exactly once whatever happens first: a lost connection or close().
import type pg from 'pg';
import type { Pool } from './pool.ts';

export interface PgListener {
  /** UNLISTENs and gives the connection back; nothing after a lost connection. */
  close(): Promise<void>;
}

export interface ListenHandlers {
  onNotification: (payload: string | undefined) => void;
  /** The connection broke after listen() resolved: it is already released; listen again to carry on. */
  onLost: (error: Error) => void;
}

const identifier = /^[a-z_][a-z0-9_]*$/;

/** Pure: whether `channel` can be spliced into LISTEN as it is (a plain lower-case identifier). */
export function isPlainChannel(channel: string): boolean {
  return identifier.test(channel);
}

/** Resolves once LISTEN took effect; rejects (with the connection released) when it did not. */
export async function listen(pool: Pool, channel: string, handlers: ListenHandlers): Promise<PgListener> {
  if (!isPlainChannel(channel)) throw new Error(`channel "${channel}" is not a plain lower-case identifier`);
  const client = await pool.connect();
  const onNotification = (message: pg.Notification): void => {
    if (message.channel === channel) handlers.onNotification(message.payload);
  };
  // Lost before LISTEN answered: the pending LISTEN rejects and listen() throws instead.
  let listening = false;
  const onError = (error: Error): void => {
    if (release(true) && listening) handlers.onLost(error);
  };
  let released = false;
  /** Returns whether this call released it. */
  const release = (broken: boolean): boolean => {
    if (released) return false;
    released = true;
    client.removeListener('notification', onNotification);
    client.removeListener('error', onError);
    client.release(broken);
    return true;
  };
  client.on('notification', onNotification);
  client.on('error', onError);
  try {
    await client.query(`LISTEN ${channel}`);
    listening = true;
  } catch (error) {
    release(true);
    throw error;
  }
  return {
    async close() {
      if (released) return;
      await client.query(`UNLISTEN ${channel}`).catch(() => undefined);
      release(false);
    },
  };
}
