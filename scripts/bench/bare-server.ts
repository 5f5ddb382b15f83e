// The ceiling of the HTTP stack under the append load generator: a bare Hono handler on
// @hono/node-server that reads the body and answers 201, with no parsing, checks or storage.
// Usage: node --import tsx scripts/bench/bare-server.ts PORT
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.argv[2] ?? 18081);
let n = 0;
const app = new Hono();
app.post('/v1/entries', async (c) => {
  await c.req.arrayBuffer();
  n++;
  return c.json({ seq: n, hash: 'AAAA', loggedAt: new Date().toISOString() }, 201);
});
app.get('/log/checkpoint', (c) => c.text(`bare\n${n + 1}\nAAAA\n`));
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
