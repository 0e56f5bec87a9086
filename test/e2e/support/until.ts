/** Polls `condition` every 20 ms until it holds or `ms` pass; the caller asserts afterwards. */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!condition() && Date.now() - started < ms) await new Promise((resolve) => setTimeout(resolve, 20));
}
