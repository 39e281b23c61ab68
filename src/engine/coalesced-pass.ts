// One pass of work at a time, however often it is asked for: a request while a pass runs makes
// that pass go round once more instead of starting a second beside it, and between requests it
// runs on a poll. The guest worker (engine/guests.ts) and the fleet worker (engine/fleet.ts) run
// their passes through it.

export class CoalescedPass {
  private timer: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private again = false;
  private closed = false;

  /** `work` answers whether there is more to do at once (a full batch, say). */
  constructor(
    private readonly work: () => Promise<boolean>,
    private readonly pollMillis: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(): void {
    if (this.closed) return;
    if (this.passing !== null) {
      this.again = true;
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    // After the current transaction commits: the pass's read waits for it on SQLite, and the
    // poll catches a pass that ran too early elsewhere.
    this.timer = setTimeout(() => this.pass(), 0);
  }

  /** Stops the poll and waits for the pass in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.passing;
  }

  private pass(): void {
    this.timer = null;
    this.passing = (async () => {
      do {
        this.again = false;
        if (await this.work()) this.again = true;
      } while (this.again && !this.closed);
    })()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.passing = null;
        if (!this.closed) this.timer = setTimeout(() => this.pass(), this.pollMillis);
      });
  }
}
