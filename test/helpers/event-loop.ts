/** Runs `work` while a 1 ms ticker watches this process's event loop; `stall` is the longest gap seen (ms). */
export async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  try {
    const result = await work();
    return { result, stall };
  } finally {
    clearInterval(ticker);
  }
}
