/**
 * How many password-based key-derivation iterations (PBKDF2, the PKCS#12 KDF) one scan may run, in one
 * shared cell so that every parse worker of the scan draws from the same budget. Plain data: an Int32Array
 * on a SharedArrayBuffer crosses to workers shared, not copied.
 */
export type KdfBudget = Int32Array;

export function createKdfBudget(iterations: number): KdfBudget {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  cell[0] = Math.max(0, Math.min(iterations, 0x7fffffff));
  return cell;
}

/** Takes `iterations` from the budget; false, and nothing taken, when less than that is left. */
export function spendKdf(budget: KdfBudget, iterations: number): boolean {
  for (;;) {
    const left = Atomics.load(budget, 0);
    if (!(iterations <= left)) return false;
    if (Atomics.compareExchange(budget, 0, left, left - iterations) === left) return true;
  }
}

export function kdfLeft(budget: KdfBudget): number {
  return Atomics.load(budget, 0);
}
