// `lotproof epcis export` and `lotproof epcis import` (GS1 EPCIS 2.0). Import maps a whole
// EPCISDocument to statements, refuses it if any event cannot be mapped or signed by the actor,
// and only then signs each statement locally and submits them in order.
import { readFileSync, writeFileSync } from 'node:fs';
import { LedgerError } from '../core/errors.ts';
import type { Role } from '../ledger/bodies.ts';
import { statementsFromEpcis } from '../ledger/epcis-import.ts';
import { RemoteError } from './client.ts';
import { UsageError, type Command } from './command.ts';
import { createProgress } from './progress.ts';
import { connection, CONN, noPositionals, say, serviceUrl, signer, str } from './records.ts';

export const epcisCommands: Record<string, Command> = {
  'epcis export': {
    summary: 'write the log, one batch\'s genealogy or a time range as a GS1 EPCIS 2.0 EPCISDocument',
    usage: 'lotproof epcis export [--url URL] [--batch 01/<gtin>/10/<lot>] [--from TIME] [--until TIME] [--out FILE]',
    options: { url: { type: 'string' }, batch: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' }, out: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const q = new URLSearchParams();
      for (const k of ['batch', 'from', 'until'] as const) {
        const x = str(v, k);
        if (x !== undefined) q.set(k, x);
      }
      const url = `${serviceUrl(v)}/v1/epcis/events${q.size ? `?${q}` : ''}`;
      let res: Response;
      try {
        res = await fetch(url);
      } catch (e) {
        throw new RemoteError('unreachable', `cannot reach ${url}: ${(e as Error).message}`);
      }
      const text = await res.text();
      if (!res.ok) {
        let p: { code?: string; detail?: string } = {};
        try {
          p = JSON.parse(text) as typeof p;
        } catch {
          // not a problem document
        }
        throw new RemoteError(p.code ?? `http_${res.status}`, p.detail ?? text.slice(0, 200), res.status);
      }
      const out = str(v, 'out');
      if (out === undefined) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      else {
        writeFileSync(out, text);
        say(`${(JSON.parse(text) as { epcisBody: { eventList: unknown[] } }).epcisBody.eventList.length} events written to ${out}`);
      }
      return 0;
    },
  },
  'epcis import': {
    summary: 'sign and submit, as one actor, the statements an EPCIS 2.0 document describes (all or nothing is checked first)',
    usage: `lotproof epcis import FILE ${CONN} [--quiet]`,
    options: { ...connection, quiet: { type: 'boolean' } },
    async run({ values: v, positionals }) {
      if (positionals.length !== 1) throw new UsageError('epcis import needs one FILE');
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(positionals[0]!, 'utf8'));
      } catch (e) {
        throw new UsageError(`${positionals[0]} is not a readable JSON file: ${(e as Error).message.split('\n')[0]}`);
      }
      const s = signer(v);
      const actorUrl = `${serviceUrl(v)}/v1/actors/${s.actor}`;
      let role: Role;
      try {
        const res = await fetch(actorUrl);
        if (res.status === 404) throw new RemoteError('unknown_actor', `${s.actor} is not registered in that log`, 404);
        role = ((await res.json()) as { role: Role }).role;
      } catch (e) {
        if (e instanceof RemoteError) throw e;
        throw new RemoteError('unreachable', `cannot reach ${actorUrl}: ${(e as Error).message}`);
      }
      let statements;
      try {
        statements = statementsFromEpcis(doc, s.actor, role);
      } catch (e) {
        if (e instanceof LedgerError) {
          process.stderr.write(`lotproof epcis import: nothing was submitted:\n${e.message}\n`);
          return 1;
        }
        throw e;
      }
      const progress = createProgress({ total: statements.length, label: 'epcis import', mode: v.quiet === true ? 'off' : 'auto' });
      for (const st of statements) {
        try {
          await s.client.submit(st.type, st.body);
        } catch (e) {
          progress.tick(false);
          progress.done();
          if (e instanceof RemoteError) {
            process.stderr.write(`lotproof epcis import: event ${st.event} (${st.type}) refused: ${e.code}: ${e.detail}; ${statements.indexOf(st)} earlier statements were logged\n`);
            return 1;
          }
          throw e;
        }
        progress.tick(true);
      }
      progress.done();
      say(`${statements.length} statements from ${positionals[0]} logged as ${s.actor}`);
      return 0;
    },
  },
};
