// The ceiling of the HTTP stack under the benchmark's load generators: a bare Hono app on
// @hono/node-server, as lotproof serves, that does no parsing, checks or storage. POST
// /v1/entries reads the body as lotproof does (src/http/json.ts) and answers 201 like the log;
// GET /bare answers 1,000 bytes.
// Usage: node --import tsx scripts/bench/bare-server.ts PORT
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readBody } from '../../src/http/json.ts';

const port = Number(process.argv[2] ?? 18081);
const KB = 'x'.repeat(1000);
let n = 0;
const app = new Hono();
app.post('/v1/entries', async (c) => {
  await readBody(c, 64 * 1024);
  n++;
  return c.json({ seq: n, hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', loggedAt: new Date().toISOString() }, 201);
});
app.get('/bare', (c) => c.text(KB));
app.get('/bare13', (c) => c.text(KB.repeat(13)));
app.get('/log/checkpoint', (c) => c.text(`bare\n${n + 1}\nAAAA\n`));
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
