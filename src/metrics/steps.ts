/**
 * Long loops written once as generators that `yield` every so often: `runSync` runs one to the end (the
 * CLI, the agent), `runAsync` gives the event loop a turn at every yield (the server, where rendering
 * 100,000 locations must not stall health checks and agent reports).
 */
export type Steps<T> = Generator<void, T, void>;

/** Entries between two yields. */
export const STEP = 2000;

export function runSync<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export async function runAsync<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
