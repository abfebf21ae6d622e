// The rows of a page resolve their fields side by side: without batching, a field that reads
// the database for each row costs one statement per row (an N+1), and a page of 50 costs 50
// times what a page of one does. batchLoad gathers the keys the rows of one request ask for
// within the same turn of the event loop and hands them to one load, one statement for the page.

interface Batch<K, V> {
  keys: K[];
  // Each waiter is handed its own value: one promise per key, not a promise of the map and another of the value.
  waiters: Array<{ key: K; resolve: (value: V | undefined) => void; reject: (error: unknown) => void }>;
}

// Per request (its context object): batches never mix callers, whose views of a row differ.
const BATCHES = new WeakMap<object, Map<string, Batch<unknown, unknown>>>();

/**
 * The value `load` finds for `key`, loaded with every other key of the same `kind` asked for in
 * this request during the same turn. `kind` names the load and everything it depends on besides
 * the key (the page's arguments, the selection), since one load answers all its keys alike.
 */
export function batchLoad<K, V>(context: object, kind: string, key: K, load: (keys: K[]) => Promise<Map<K, V>>): Promise<V | undefined> {
  let byKind = BATCHES.get(context);
  if (!byKind) {
    byKind = new Map();
    BATCHES.set(context, byKind);
  }
  let batch = byKind.get(kind) as Batch<K, V> | undefined;
  if (!batch) {
    const opened: Batch<K, V> = { keys: [], waiters: [] };
    batch = opened;
    byKind.set(kind, opened as Batch<unknown, unknown>);
    // After the promises already settled have run their callbacks: the sibling rows' resolvers
    // are called in that time, as DataLoader schedules its batches.
    void Promise.resolve().then(() =>
      process.nextTick(() => {
        byKind.delete(kind);
        load([...new Set(opened.keys)]).then(
          (map) => opened.waiters.forEach((waiter) => waiter.resolve(map.get(waiter.key))),
          (error: unknown) => opened.waiters.forEach((waiter) => waiter.reject(error)),
        );
      }),
    );
  }
  batch.keys.push(key);
  const current = batch;
  return new Promise<V | undefined>((resolve, reject) => current.waiters.push({ key, resolve, reject }));
}
