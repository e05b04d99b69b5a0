/** A clock the test moves by hand, for stores built with an injected clock. */
export interface ManualClock {
  readonly now: () => number;
  /** Sets the time (ms since the epoch). */
  set(ms: number): void;
  advance(ms: number): void;
}

export function manualClock(start: number): ManualClock {
  let time = start;
  return {
    now: () => time,
    set(ms) {
      time = ms;
    },
    advance(ms) {
      time += ms;
    },
  };
}
