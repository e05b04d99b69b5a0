/**
 * Preloaded into the gateway by the idle-session probe (`node --expose-gc --import ...`), never
 * by toolgate itself: on SIGUSR2 it runs a full garbage collection and prints the process's
 * memory use as one line on stderr, so RSS is compared between two collected heaps rather than
 * between two arbitrary moments of the collector.
 */
process.on('SIGUSR2', () => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) {
    process.stderr.write('bench-memory {"error":"start node with --expose-gc"}\n');
    return;
  }
  collect();
  collect();
  process.stderr.write(`bench-memory ${JSON.stringify(process.memoryUsage())}\n`);
});
