import pg from 'pg';
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
await c.connect();
const s = await c.query("SELECT value FROM allot_bench_year.settings WHERE key = 'manual_clock_now'").catch(e => ({rows:[{value: 'gone '+e.message}]}));
console.log(s.rows);
await c.end();
