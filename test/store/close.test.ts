// Store.close: work running on the store when it is asked to close (a request whose client went
// away as the server stopped) ends first, committed; work asked after is refused as the database
// being away (a 503 at the edge), never run on a closed pool. Ordering of events, no timings.

import { describe, expect, it } from 'vitest';
import { StoreUnavailable } from '../../src/store/store.js';
import { openTestStore, testDialects } from '../support/stores.js';

describe.each(testDialects)('Store.close on %s', (dialect) => {
  it('waits for the transaction in flight, refuses new work, and closes once it has ended', async () => {
    const testStore = await openTestStore(dialect, 1000);
    const { store } = testStore;
    try {
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const inFlight = store.transaction(async (tx) => {
        entered();
        await held;
        await tx.settings.set('close-test', 'committed');
        events.push('transaction ends');
        return 'done';
      });
      await inside;
      const closed = store.close().then(() => events.push('closed'));
      await expect(store.read((tx) => tx.settings.get('close-test'))).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(store.transaction((tx) => tx.settings.set('close-test', 'late'))).rejects.toBeInstanceOf(StoreUnavailable);
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push('released');
      release();
      expect(await inFlight).toBe('done');
      await closed;
      expect(events).toEqual(['released', 'transaction ends', 'closed']);
    } finally {
      await testStore.dispose();
    }
  });
});
