// Waits for what another process does at its own pace (a notification between allot processes),
// asking again and again for a time generous enough for a loaded machine, never timing it.

export async function eventually(condition: () => Promise<boolean>, what = 'condition', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
