/**
 * LISTEN on a PostgreSQL channel over a dedicated connection that comes back after a drop.
 * While it is down the subscriber is told (`onReset`) and `listening` is false, so a cache fed
 * by the channel can stop trusting itself until the connection is back.
 */
import pg from 'pg';

export interface ChannelListener {
  /** True while the LISTEN connection is up: notifications are arriving. */
  readonly listening: boolean;
  close(): Promise<void>;
}

export interface ListenOptions {
  readonly connectionString: string;
  readonly channel: string;
  onMessage(payload: string): void;
  /** The connection dropped or came back: notifications may have been missed. */
  onReset(): void;
  onError?(error: Error): void;
  /** Wait before reconnecting. */
  readonly retryDelayMs?: number;
}

/** Connects and LISTENs; resolves once the first LISTEN is in place (or rejects if it cannot be). */
export async function listenChannel(options: ListenOptions): Promise<ChannelListener> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`invalid channel name ${options.channel}`);
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString });
    next.on('notification', (message) => {
      if (message.channel === options.channel) options.onMessage(message.payload ?? '');
    });
    const lost = (error?: Error) => {
      if (client !== next) return;
      client = undefined;
      listening = false;
      if (error) options.onError?.(error);
      options.onReset();
      next.end().catch(() => undefined);
      schedule();
    };
    next.on('error', lost);
    next.on('end', () => lost());
    try {
      await next.connect();
      await next.query(`LISTEN ${options.channel}`);
    } catch (error) {
      next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    listening = true;
    options.onReset();
  };

  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((error: unknown) => {
        options.onError?.(error as Error);
        schedule();
      });
    }, retryDelayMs);
    retry.unref();
  };

  await connect();
  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      listening = false;
      await current?.end().catch(() => undefined);
    },
  };
}
