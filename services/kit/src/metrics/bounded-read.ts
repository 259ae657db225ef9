// A scrape must not wait on a slow dependency: a reading is reused for `maxAgeMs`, and a
// read that takes longer than `timeoutMs` yields the last good reading (it still finishes
// in the background and refreshes the cache). A failed read also falls back to the last one.

export interface BoundedReadOptions {
  timeoutMs: number;
  maxAgeMs: number;
  now?: () => number;
}

export function boundedRead<T>(read: () => Promise<T>, fallback: T, options: BoundedReadOptions): () => Promise<T> {
  const now = options.now ?? Date.now;
  let last: { value: T; at: number } | undefined;
  let pending: Promise<T> | undefined;
  const refresh = (): Promise<T> => {
    pending ??= read()
      .then((value) => {
        last = { value, at: now() };
        return value;
      })
      .catch(() => last?.value ?? fallback)
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  return async () => {
    if (last && now() - last.at < options.maxAgeMs) return last.value;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<T>((resolve) => {
      timer = setTimeout(() => {
        resolve(last?.value ?? fallback);
      }, options.timeoutMs);
    });
    try {
      return await Promise.race([refresh(), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}
