// The baseline for HTTP benchmarks: a bare Fastify route that answers with a fixed JSON body,
// with no auth and no storage. Started as its own process, like allot, so both are measured the
// same way. Prints its address on stdout.

import Fastify from 'fastify';

const body = JSON.parse(process.env.BENCH_BODY ?? '{}') as unknown;
const app = Fastify({ logger: false });
app.get('/preview/v2/pools/:id', async () => body);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address !== null && typeof address === 'object') process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
