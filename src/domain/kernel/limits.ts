// Every limit allot enforces, in one place, each with its reason. Tests check each limit and one
// past it. Names carry their unit. What stays outside, on purpose: the demo seed's fixture figures
// (app/operator/seed.ts: data, not limits), protocol constants (PostgreSQL type OIDs, advisory
// lock keys, byte ranges such as 0–255, ports), the fleet's and guests' own timings (engine/fleet.ts,
// engine/guests.ts, providers/), the schema bounds of the fleet's agent API (http/schemas/fleet.ts),
// and what the CLI reads on its own side before any request (cli/time-input.ts).

/** Page size when a list request gives no `limit` (SF Compute's documented default). */
export const pageSizeDefault = 50;
/** Largest `limit` a list accepts (SF Compute's documented maximum for most lists). */
export const pageSizeMax = 200;

/** Longest name of a resource (SF Compute's `Name` schema). */
export const nameLengthMax = 255;

/** At most this many tags on one resource (SF Compute's `Tags` schema). */
export const tagsCountMax = 50;
/** Longest tag key (SF Compute's `Tags` schema). */
export const tagKeyLengthMax = 128;
/** Longest tag value (SF Compute's `Tags` schema). */
export const tagValueLengthMax = 256;

/** Largest JSON body accepted. Bigger bodies are refused with 413 before they are parsed. The
 * largest legitimate body is an instance with 64 KiB of cloud-init, base64-encoded. */
export const requestBodyBytesMax = 1024 * 1024;

/** Longest path parameter the router reads (decoded): the longest reference a request may give
 * (a resource path or name, 1024 characters). Longer ones are refused with 400 before routing. */
export const pathParameterLengthMax = 1024;

/** Longest `x-request-id` a caller may give; a longer one is replaced by allot's own id, so that
 * log lines and error bodies stay small. */
export const requestIdLengthMax = 128;

/** `schedule_history_minutes` range on pool reads (SF Compute's documented range). */
export const scheduleHistoryMinutesMax = 1440;

/** Workspaces one account may hold. The workspace list is not paginated in SF Compute's API, so
 * the count must stay small enough to answer in one response. */
export const workspacesPerAccountMax = 100;

/** Longest `Idempotency-Key` header accepted (Stripe's limit). */
export const idempotencyKeyLengthMax = 255;

/** How long an idempotency key is remembered: a day, so a client may retry for that long. */
export const idempotencyKeyRetentionSeconds = 24 * 60 * 60;

/** The longest single advance of the manual clock: a year. Longer jumps are several advances. */
export const clockAdvanceSecondsMax = 366 * 24 * 60 * 60;

/** Characters after an id's prefix (SF Compute's ids: `<prefix>_` + 21 characters). */
export const idBodyLength = 21;

/** An id's leading characters that tell the second it was made in (36 bits: some 2,000 years
 * before they wrap), so that ids made later sort later (domain/kernel/ids.ts says why). */
export const idTimeLength = 6;

/** The characters after the time that count the ids one process made in that second (262,144
 * before they wrap), so that ids of one second sort in the order they were made. */
export const idSequenceLength = 3;

/** The random characters that end an id: 72 bits, so two processes making ids in the same
 * second (or a wrapped count) still never make the same one. */
export const idRandomLength = idBodyLength - idTimeLength - idSequenceLength;

/** Longest name template (SF Compute's `NameTemplate` schema). */
export const nameTemplateLengthMax = 512;

/** Bytes of randomness in an API token: 256 bits, so guessing one is hopeless. */
export const tokenRandomBytes = 32;

/** Longest account id. Account ids appear in every resource path, so they stay short, like a
 * DNS label. */
export const accountIdLengthMax = 63;

/** Largest node count in a schedule entry (SF Compute's `node_count` is an int32). */
export const nodeCountMax = 2_147_483_647;

/** Entries in one schedule a request gives. Schedule operations are linear in their steps; this
 * keeps one request's work bounded. */
export const scheduleEntriesMax = 1000;

/** The latest time a schedule may name: 9999-12-31T23:59:00Z, minute-aligned. */
export const scheduleTimeMax = 253_402_300_740;

/** Pool-and-SKU boundaries reconciled in one transaction: large enough that 10,000 pools need
 * few commits, small enough that one transaction stays short. */
export const boundaryBatchSize = 500;

/** Batches of boundaries of one due time the engine runs at once, each its own transaction, when
 * they touch disjoint rows (no procurement among their pools): PostgreSQL works on them side by
 * side, one connection each, and SQLite commits them together. Two, for a 2-core machine and
 * `postgresPoolSize` connections shared with requests. */
export const boundaryBatchesAtOnce = 2;

/** Due times the manual clock's advance works through in one transaction at most, the clock
 * saved with the last of them. A procurement that buys the minute entering its window from a
 * standing ask runs, and trades, every minute of clock; one transaction a minute spent most of
 * the minute's time on the transaction itself on PostgreSQL (its begin, the commit's WAL flush,
 * the clock's save, the due work read anew). An hour's minutes at most, so that a process
 * killed mid-advance loses little, and `advanceTransactionMillisMax` besides. */
export const advanceDueTimesPerTransactionMax = 60;

/** How long the manual clock's advance goes on taking due times into one transaction: none more
 * once this long has passed since it began (the one under way ends first). Short, so that no
 * transaction holds its locks long, SQLite's database no longer than a request can wait without
 * notice, and the clock others read moves on at least this often. */
export const advanceTransactionMillisMax = 25;

/** Instances a batch of boundaries ends in one statement at most (the engine writes a batch's ends
 * together): well within SQLite's 32,766 parameters and PostgreSQL's 65,535. */
export const boundaryEndsPerStatementMax = 5_000;

/** Instances one multi-row insert writes at most (20 parameters each): well within SQLite's
 * 32,766 parameters and PostgreSQL's 65,535. */
export const instanceRowsPerInsertMax = 1_000;

/** The largest image: SF Compute's limit. */
export const imageBytesMax = 128 * 1024 ** 3;

/** How long an upload or download URL stays valid. */
export const signedUrlLifetimeSeconds = 60 * 60;

/** The largest cloud-init user data, decoded (SF Compute's limit). */
export const cloudInitBytesMax = 64 * 1024;

/** Instances in one batch PATCH. */
export const batchPatchEntriesMax = 200;

/** Lines one instance log read returns at most (SF Compute's limit); 100 by default. */
export const logLinesMax = 2500;
export const logLinesDefault = 100;

/** The largest deployment: instances it keeps. */
export const deploymentInstancesMax = 10_000;

/** Instances one transaction creates or ends for one deployment. A request that changes a
 * deployment's target (or creates one, or deletes one) does this much in its own transaction and
 * answers; the engine does the rest, a batch per transaction, so that no transaction holds its
 * locks for long (10,000 instances in one took seconds on PostgreSQL). As `boundaryBatchSize`:
 * few commits for the largest deployment (20), each short. */
export const deploymentInstancesPerTransaction = 500;

/** Deployments the engine continues in one transaction, each by up to
 * `deploymentInstancesPerTransaction` instances. */
export const deploymentBatchSize = 1;

/** How far ahead a procurement may manage: 90 days, SF Compute's limit. */
export const managedWindowMinutesMax = 129_600;

/** Nodes one v1 request creates at most. */
export const nodesPerRequestMax = 100;

/** The longest v1 node name (SF Compute's rule). */
export const nodeNameLengthMax = 128;

/** The most nodes one v0 quote prices: SF Compute's quoter takes 1 to 1024. */
export const quoteNodesMax = 1024;
/** The most windows one v0 quote prices on the book, so that a wide range stays one bounded read. */
export const quoteWindowsMax = 48;
/** The most nodes a v0 procurement keeps (`desired_quantity`), as many as a v0 quote prices. */
export const v0ProcurementNodesMax = 1024;
/** Resting orders read in the first round while an order is matched; each later round reads
 * twice as many, up to `bookRoundOrdersMax`. Most orders fill from the first few price levels, so
 * the first read is small; a deep sweep still reads few rounds. */
export const bookRoundOrdersFirst = 16;
/** The most resting orders one matching round reads, so that one read stays bounded. */
export const bookRoundOrdersMax = 512;

/** Resting orders one read of the book's views (levels, windows, previews) takes at a time. */
export const bookViewReadBatch = 1000;

/** Price levels `GET /preview/v2/orderbook` shows per side by default, and at most (SF Compute's documented clamp). */
export const orderbookDepthDefault = 20;
export const orderbookDepthMax = 100;

/** Windows and fills one book read answers by default, and at most (SF Compute's documented clamp). */
export const orderbookPageSizeDefault = 50;
export const orderbookPageSizeMax = 200;

/** Generated instance names drawn before giving up: names have billions of values, so a second draw almost never happens. */
export const nameDrawAttemptsMax = 8;

/** Derived account ids that collide get a numeric suffix; this many are tried before giving up. */
export const derivedIdAttemptsMax = 100;

/** The longest the real clock's engine sleeps, so that a new leader or a missed wake-up is caught within it. */
export const engineSleepMsMax = 5_000;

/** The engine's first retry after the database went away (engine/engine.ts): soon, since most
 * outages are a restart; each retry after waits twice as long, up to `engineSleepMsMax`. */
export const enginePausedRetryMsMin = 250;

/** The most v0 procurements or orders one page lists: SF Compute's v0 lists take `limit` up to 100. */
export const v0PageSizeMax = 100;

/** Run records the guest worker reads per pass (engine/guests.ts): a bounded batch, as for boundaries. */
export const guestRunBatchSize = 100;

/** How often the guest worker looks for intents nobody told it of (another process's, or a commit it was told of too early). */
export const guestRunPollMillis = 500;

/** Launches of one guest's start at most (providers/host-driver.ts), when a launch fails by chance
 * rather than because of the guest: a forwarded port another program took between allot choosing
 * it and binding it, or bubblewrap's transient netlink failure setting up a sandbox's loopback
 * (providers/sandbox/bwrap-failure.ts). Each is rare and independent of the one before; four in a
 * row is no longer chance, and the guest fails with the last reason. */
export const guestLaunchAttemptsMax = 4;


/** Longest API token name and description (SF Compute's `POST /v0/tokens` limits). */
export const tokenNameLengthMax = 100;
export const tokenDescriptionLengthMax = 1000;

/** Longest lifetime a token may be given: 200 years (the `sf` CLI's "never expire" asks for 100). */
export const tokenLifetimeSecondsMax = 200 * 365 * 24 * 60 * 60;

/** A token's `last_active_at` is written at most once per this many seconds, so that using a
 * token does not cost a write per request; it is accurate to this much. */
export const tokenActivityIntervalSeconds = 60;
/** Bearer tokens whose SHA-256 a process remembers, so that a client's next request does not hash
 * its token again; the oldest is forgotten first. Bounds its memory (about 150 bytes each). */
export const tokenHashesRememberedMax = 1_000;

/** Longest user email address (RFC 5321's limit on a forward path). */
export const emailLengthMax = 254;

/** Longest user first or last name. */
export const personNameLengthMax = 255;

/** Longest feature flag name. */
export const featureFlagNameLengthMax = 64;

/** Flags the operator may set for one account. The flag list is not paginated in SF Compute's
 * API, so it must stay small enough to answer in one response. */
export const featureFlagSettingsPerAccountMax = 100;
/** The most SSH public keys one account keeps: every VM it starts authorises them all. */
export const sshKeysPerAccountMax = 100;
/** The longest SSH public key line accepted (an 8192-bit RSA key is about 1.4 KiB). */
export const sshKeyLengthMax = 8192;

/** A spot deployment's procurement (and so a v1 autoreserved node's) keeps this many minutes bought ahead. */
export const spotWindowMinutes = 60;
/** A v0 procurement without a `horizon` keeps an hour bought ahead, as SF Compute's default. */
export const v0ProcurementHorizonMinutesDefault = 60;
/** `GET /v1/transactions` and `GET /v0/transactions` give 10 per page unless asked, as SF Compute does (at most `transactionsPageSizeMax`). */
export const transactionsPageSizeDefault = 10;
export const transactionsPageSizeMax = 100;
/** Instance templates, deployments and procurements are listed 50 at most per page (50 unless asked), as SF Compute's reference bounds them. */
export const instanceTemplatesPageSizeMax = 50;
export const deploymentsPageSizeMax = 50;
export const procurementsPageSizeMax = 50;
/** Order book fills go back a week unless asked, and at most 30 days: older fills are history, not the book. */
export const orderbookFillsSinceDefaultSeconds = 7 * 24 * 60 * 60;
export const orderbookFillsSinceMaxSeconds = 30 * 24 * 60 * 60;
/** How far ahead the held-allocation metric integrates (GET /metrics): two weeks, the demo supply's horizon. */
export const heldMetricHorizonSeconds = 14 * 24 * 60 * 60;
/** Echoed input longer than this is cut, with an ellipsis, in error messages and field names. */
export const echoedInputLengthMax = 200;
/** An error message longer than this (after cutting quoted input) is cut at its end. */
export const errorMessageLengthMax = 1000;
/** A free-text memo (a credit grant's) is at most this long. */
export const memoLengthMax = 1024;

// The store's tunings: not limits a request meets, but bounds on the work the store does for one.
/** Attempts of one transaction that keeps meeting transient conflicts (serialization failures, deadlocks), before giving up as a 503. */
export const transactionAttemptsMax = 8;
/** Backoff between attempts grows from this many milliseconds, doubling, capped at
 * `transactionRetryBackoffMaxMs`; each wait is drawn at random below it ("full jitter"), so that
 * transactions that collided once do not collide again on the same beat. */
export const transactionRetryBackoffMs = 4;
export const transactionRetryBackoffMaxMs = 100;
/** How long a transaction that holds balances waits for one that sorts before them (a lock out of
 * the key order, which may close a cycle) before giving up and being retried (PostgreSQL's
 * `lock_timeout`, 55P03): a cycle is broken in this time instead of `deadlock_timeout`'s second. */
export const balanceLockOutOfOrderWaitMs = 100;
/** The same for money accounts, locked out of key order by a fill whose trades were not guessed
 * (store/repositories/market/money.ts). */
export const moneyLockOutOfOrderWaitMs = 100;
/** Pools and instance SKUs a SQLite store remembers between transactions (store/remembered-catalog.ts)
 * at most; the oldest is forgotten first. Bounds its memory (a pool's row is under a kB). */
export const rememberedCatalogRowsMax = 10_000;
/** Results `Store.readCached` remembers at most; the oldest is forgotten first. Bounds its memory (a pool reading is a few kB). */
export const cachedReadsMax = 10_000;
/** How often a process's PostgreSQL commit listener (store/postgres/commit-listener.ts) asks its
 * connection whether it is there. PostgreSQL sends every notification pending before a query's
 * answer, so an answer vouches for every commit acknowledged before its question was asked. */
export const postgresCommitListenHeartbeatMs = 200;
/** How long after the question of the listener's last answer cached reads are still served: the
 * most that another process's acknowledged commit can go unseen by a cache. */
export const postgresCommitListenStaleMs = 1_000;
/** How long after losing its connection the listener connects again. */
export const postgresCommitListenRetryMs = 500;
/** PostgreSQL connections per process. allot's transactions are short; a small pool keeps the server's
 * connection count low when several processes share it. */
export const postgresPoolSize = 10;
/** SQL texts a process runs as named (prepared) statements on PostgreSQL at most: each connection
 * keeps each one it ran, with its plan. allot's hot paths use a few dozen. */
export const postgresNamedStatementsMax = 300;
/** Statements of held writes (postgres/deferred-writes.ts) a process keeps built: a fill's few
 * combinations, and room for the rarer ones. */
export const deferredWriteTextsMax = 300;
/** Runs of an SQL text after which it is named: what runs once or twice (a migration, a rare
 * `in` list's shape) stays unnamed. */
export const postgresStatementRunsBeforeNamed = 3;
/** How long PostgreSQL may take to accept a new connection before the database counts as unavailable (a 503 with Retry-After). */
export const postgresConnectTimeoutMs = 3_000;
/** How long closing the store waits for the work still running on it (a request whose client went
 * away while the server stopped, whose handler runs on) before it closes anyway. */
export const storeCloseDrainMsMax = 10_000;
/** How long a request waits its turn for one of the process's connections (all busy) before it answers 503:
 * a burst queues, only a server overloaded for this long refuses. See store/postgres/connection-gate.ts. */
export const postgresConnectionWaitMs = 30_000;
/** The pause, jittered ±50 %, before connecting again after PostgreSQL refused for too many connections (53300). */
export const postgresTooManyConnectionsRetryMs = 50;
/** Counts (keys locked, rows inserted) a query whose shape varies with its count keeps a prepared
 * shape for (store/repositories/prepared.ts): a larger count's shape is built each time. */
export const preparedShapeCountMax = 16;
/** Prepared statements kept per SQLite connection; allot issues a few hundred distinct queries. */
export const sqliteStatementCacheSize = 500;
/** Transactions one SQLite commit may carry (store/commit-group.ts): enough for every request a
 * busy server has in flight, few enough that a steady stream of them still commits. */
export const sqliteCommitGroupMembersMax = 64;
/** WAL pages after which SQLite copies the WAL back into the database file (a checkpoint), at the
 * commit that passes it; SQLite's default is 1,000. A checkpoint writes each page the WAL holds
 * once, however often it was rewritten meanwhile, and a busy pool's balance rows and the tables'
 * last pages are rewritten by every transfer: at 1,000 pages checkpoints took half of a pool
 * transfer's commit (docs/decisions.md, "Pool transfers' speed"). 16,384 pages of 4 KiB: a WAL of
 * at most 64 MiB, read back in well under a second when the file is opened after a crash. */
export const sqliteWalCheckpointPages = 16_384;
/** How long a SQLite writer waits for another connection's lock before failing. */
export const sqliteBusyTimeoutMs = 5000;

/** How many resting sells a procurement's coalesced runs look through; a deeper book is run minute by minute. */
export const opposingOrdersMax = 100;

/** Nodes in one v0 order (`quantity`): as many as a quote may ask for (SF Compute's CLI's range). */
export const v0OrderNodesMax = 1024;

/** Longest username of a v0 SSH credential: a name's length. */
export const sshKeyUsernameLengthMax = 255;

/** Ids one user list filters by (`id`, repeatable): one page's worth. */
export const userIdFilterValuesMax = 200;

/** The largest count a SKU's properties give (vCPUs, accelerators): an unsigned 32-bit integer. */
export const skuCountMax = 4_294_967_295;

/** Longest price a request gives as text ("2.500000"): more digits than any price can use. */
export const priceTextLengthMax = 32;

/** Shortest fixed demo token (`--demo-token`, ALLOT_DEMO_TOKEN): short ones are guessable. */
export const demoTokenLengthMin = 16;

/** Entries a fixtures file may have in each list (docs/cli.md, "Fixtures"). */
export const fixtureEntriesMax = 1000;

/** How far ahead a fixture time may be (ten years): a typo such as "+9999999w" is refused, not overflowed. */
export const fixtureOffsetSecondsMax = 10 * 366 * 86_400;

/** How long the health check (GET /healthz) waits for the store before calling it unreachable. */
export const healthStoreTimeoutMs = 2_000;

/** Images one `GET /v1/vms/images` answers, the oldest first (the account's and the public ones
 * together): SF Compute's operation takes no cursor, so a longer list says `has_more: true` and
 * the rest are read through the paged `/preview/v2/images` (docs/decisions.md, "v1 VM images"). */
export const vmImagesListMax = 10_000;
