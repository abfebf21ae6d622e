// One of the service's deployed processes (`api` or `worker`: api/main.ts or
// workflows/worker/main.ts, unchanged) for the lifecycle benchmark, which also asks it over the
// IPC channel how much CPU and memory it has used. The answer comes from inside the process
// (process.cpuUsage, process.resourceUsage), so it counts the process's own threads: the
// Temporal core's as well as JavaScript's.
const role = process.argv[2];
if (role !== 'api' && role !== 'worker') throw new Error(`usage: lifecycle-service-process.ts api|worker, got ${String(role)}`);

export interface ServiceUsage {
  /** CPU time of the process since it started, in microseconds. */
  userMicros: number;
  systemMicros: number;
  rssBytes: number;
  /**
   * The main thread's V8 heap in use, to tell a leak of the process's own JavaScript (the
   * activities, the pools) from the rest of the RSS: the workflows run in the SDK's worker threads,
   * whose heaps are not in it.
   */
  heapUsedBytes: number;
  /** The highest resident set size since the process started, in kilobytes. */
  maxRssKb: number;
}

let stopping = false;
process.on('message', (message) => {
  if (message === 'stop') stopping = true;
  if (message !== 'usage' || !process.send) return;
  const cpu = process.cpuUsage();
  const usage: ServiceUsage = { userMicros: cpu.user, systemMicros: cpu.system, rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed, maxRssKb: process.resourceUsage().maxRSS };
  process.send(usage);
});
// The benchmark says 'stop' and disconnects before it stops the process (an open IPC channel
// would keep it alive). A channel that closes unannounced means the benchmark is gone (killed, or
// ended without its `finally`): the process stops itself as on Ctrl-C rather than run on alone.
process.on('disconnect', () => {
  if (!stopping) process.kill(process.pid, 'SIGINT');
});

await import(role === 'api' ? '../api/main' : '../workflows/worker/main');
