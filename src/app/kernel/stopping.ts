// A stop that long work hears. `allot serve` waits for requests in flight before it closes the
// store; work that runs for minutes (a year's advance of the manual clock) would hold the stop
// up that long, so such work runs `during` the stop's watch and ends early, at a point where
// what it did so far is committed whole, once a stop is requested.

/**
 * Long work cut short by a stop: what committed stands, the rest is for the client to ask again
 * once allot is back. Answered 503 with `Retry-After` in SF Compute's envelope, the message
 * saying where the work stands.
 */
export class ServerStopping extends Error {
  override readonly name = 'ServerStopping';
  readonly statusCode = 503;
  readonly retryAfterSeconds = 5;

  constructor(readonly publicMessage: string) {
    super(publicMessage);
  }
}

export class Stopping {
  #requested = false;
  readonly #running = new Set<Promise<unknown>>();

  /** Whether a stop has been asked for: long work checks it between its commits. */
  get requested(): boolean {
    return this.#requested;
  }

  /** Runs `work` where `stop` waits for it to end. */
  during<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.#running.add(settled);
    void settled.finally(() => this.#running.delete(settled));
    return running;
  }

  /** Asks long work to end at its next commit, and waits until all of it has. */
  async stop(): Promise<void> {
    this.#requested = true;
    // Also what starts meanwhile (a request served during the drain), which ends at its first commit.
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}
