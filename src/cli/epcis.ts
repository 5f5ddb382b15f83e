// `lotproof epcis export` and `lotproof epcis import` (GS1 EPCIS 2.0, docs/epcis.md). Export
// follows the service's pages (Link rel="next") into one EPCISDocument. Import maps a whole
// EPCISDocument to statements, refuses it if any event cannot be mapped or signed by the actor,
// and only then signs each statement locally and submits them in order.
import { readFileSync, writeFileSync } from 'node:fs';
import { toBase64, toHex } from '../core/bytes.ts';
import { sha256 } from '../core/hash.ts';
import { LedgerError } from '../core/errors.ts';
import type { Role } from '../ledger/bodies.ts';
import { statementsFromEpcis, type EpcisImport } from '../ledger/epcis-import.ts';
import { endpoint, RemoteError, reportingRefusals } from './client.ts';
import { UsageError, type Command } from './command.ts';
import { createProgress } from './progress.ts';
import { connection, CONN, noPositionals, say, serviceUrl, signer, str } from './records.ts';

/** GETs a URL; a problem answer or an unreachable service is a RemoteError. */
async function get(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new RemoteError('unreachable', `cannot reach ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text();
    let p: { code?: string; detail?: string } = {};
    try {
      p = JSON.parse(text) as typeof p;
    } catch {
      // not a problem document
    }
    throw new RemoteError(p.code ?? `http_${res.status}`, p.detail ?? text.slice(0, 200), res.status);
  }
  return res;
}

/** The target of a `Link: <…>; rel="next"` header, resolved against the page's URL. */
function nextLink(res: Response, url: string): string | undefined {
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get('link') ?? '');
  return m ? new URL(m[1]!, url).toString() : undefined;
}

const commands: Record<string, Command> = {
  'epcis export': {
    summary: "write the log, one batch's genealogy or a time range as a GS1 EPCIS 2.0 EPCISDocument",
    usage: 'lotproof epcis export [--url URL] [--batch 01/<gtin>/10/<lot>] [--from TIME] [--until TIME] [--limit ENTRIES_PER_REQUEST] [--out FILE]',
    options: { url: { type: 'string' }, batch: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' }, out: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const q = new URLSearchParams();
      for (const k of ['batch', 'from', 'until', 'limit'] as const) {
        const x = str(v, k);
        if (x !== undefined) q.set(k, x);
      }
      let url: string | undefined = endpoint(serviceUrl(v), `/v1/epcis/events${q.size ? `?${q}` : ''}`);
      let doc: { epcisBody: { eventList: unknown[] } } | undefined;
      while (url !== undefined) {
        const res = await get(url);
        const page = (await res.json()) as { epcisBody: { eventList: unknown[] } };
        if (doc === undefined) doc = page;
        else doc.epcisBody.eventList.push(...page.epcisBody.eventList);
        url = nextLink(res, url);
      }
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      const out = str(v, 'out');
      if (out === undefined) process.stdout.write(text);
      else {
        try {
          writeFileSync(out, text);
        } catch (e) {
          throw new UsageError(`cannot write ${out}: ${(e as Error).message}`);
        }
        say(`${doc!.epcisBody.eventList.length} events written to ${out}`);
      }
      return 0;
    },
  },
  'epcis import': {
    summary: 'sign and submit, as one actor, the statements an EPCIS 2.0 document describes (the whole document is checked first)',
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
      let actor: { role: Role; pub: string | null; revoked?: boolean };
      try {
        actor = (await (await get(endpoint(serviceUrl(v), `/v1/actors/${s.actor}`))).json()) as typeof actor;
      } catch (e) {
        if (e instanceof RemoteError && e.status === 404) throw new RemoteError('unknown_actor', `${s.actor} is not registered in that log`, 404);
        throw e;
      }
      if (actor.revoked === true || actor.pub === null) throw new RemoteError('actor_revoked', `${s.actor} is revoked in that log; nothing was submitted`);
      if (actor.pub !== toBase64(s.key.publicKey)) throw new RemoteError('wrong_key', `the key in ${str(v, 'key')} is not ${s.actor}'s active key in that log; nothing was submitted`);
      let mapped: EpcisImport;
      try {
        mapped = statementsFromEpcis(doc, s.actor, actor.role);
      } catch (e) {
        if (e instanceof LedgerError) {
          process.stderr.write(`lotproof epcis import: nothing was submitted:\n${e.message}\n`);
          return 1;
        }
        throw e;
      }
      const { statements, skipped } = mapped;
      // Documents the statements name must be stored before them: copied from where the export
      // serves them, checked against their SHA-256, all fetched before anything is written.
      const uploads: { bytes: Uint8Array; mediaType: string }[] = [];
      for (const st of statements) {
        const d = st.body.document as { sha256?: string; mediaType?: string } | undefined;
        if (typeof d?.sha256 !== 'string') continue;
        const have = await fetch(endpoint(serviceUrl(v), `/v1/documents/${d.sha256}`), { method: 'HEAD' }).catch(() => undefined);
        if (have?.ok) continue;
        if (st.documentUrl === undefined) throw new RemoteError('unknown_document', `event ${st.event} names document ${d.sha256}, which that log does not store and the event does not locate; nothing was submitted`);
        const bytes = new Uint8Array(await (await get(st.documentUrl)).arrayBuffer());
        if (toHex(sha256(bytes)) !== d.sha256) throw new RemoteError('document_mismatch', `${st.documentUrl} is not document ${d.sha256}; nothing was submitted`);
        uploads.push({ bytes, mediaType: d.mediaType ?? 'application/octet-stream' });
      }
      for (const u of uploads) await s.client.putDocument(u.bytes, u.mediaType);
      const progress = createProgress({ total: statements.length, label: 'epcis import', mode: v.quiet === true ? 'off' : 'auto' });
      for (const [i, st] of statements.entries()) {
        try {
          await s.client.submit(st.type, st.body);
        } catch (e) {
          progress.tick(false);
          progress.done();
          if (e instanceof RemoteError) {
            process.stderr.write(`lotproof epcis import: event ${st.event} (${st.type}) refused: ${e.code}: ${e.detail}; ${i} earlier statements were logged\n`);
            return 1;
          }
          throw e;
        }
        progress.tick(true);
      }
      progress.done();
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      const left = skipped.length > 0 ? `; ${plural(skipped.length, 'event')} left to the other parties that sign them` : '';
      say(`${plural(statements.length, 'statement')} from ${positionals[0]} logged as ${s.actor}${left}`);
      return 0;
    },
  },
};

export const epcisCommands: Record<string, Command> = Object.fromEntries(Object.entries(commands).map(([name, c]) => [name, reportingRefusals(name, c)]));
