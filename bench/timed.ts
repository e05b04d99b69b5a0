/** Operations timed one at a time, each awaited before the next starts, so p50 and p99 are those of single operations. */
import { percentile } from './cells.js';

export interface Percentiles {
  p50Micros: number;
  p99Micros: number;
  meanMicros: number;
}

export async function timeEach(count: number, next: (i: number) => Promise<unknown>): Promise<Percentiles> {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await next(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort();
  let total = 0;
  for (const s of samples) total += s;
  return { p50Micros: percentile(samples, 0.5), p99Micros: percentile(samples, 0.99), meanMicros: total / count };
}
