// Online backups with the SQLite backup API (https://sqlite.org/backup.html): a consistent
// snapshot of the database while the service keeps writing, with the content-addressed
// documents packed into the same file so one file restores the whole store. Keys are never
// included: they are secrets, backed up (or not) by their holders.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const DOCS_TABLE = 'backup_documents';

/** Copies the live database at `dbFile` to `out`, then packs the documents named in it. */
export async function backupStore(dbFile: string, documentsDir: string, out: string): Promise<{ entries: number; documents: number }> {
  if (!existsSync(dbFile)) throw new Error(`no lotproof database at ${dbFile}`);
  if (existsSync(out)) throw new Error(`${out} already exists; refusing to overwrite it`);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.partial`;
  rmSync(tmp, { force: true });
  const live = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    await live.backup(tmp);
  } finally {
    live.close();
  }
  const copy = new Database(tmp);
  try {
    copy.pragma('journal_mode = DELETE');
    copy.exec(`CREATE TABLE ${DOCS_TABLE} (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL)`);
    const names = copy.prepare('SELECT sha256 FROM documents').pluck().all() as string[];
    const put = copy.prepare(`INSERT INTO ${DOCS_TABLE} (sha256, bytes) VALUES (?, ?)`);
    copy.transaction(() => {
      for (const n of names) put.run(n, readFileSync(join(documentsDir, n)));
    })();
    const entries = copy.prepare('SELECT count(*) FROM entries').pluck().get() as number;
    copy.close();
    renameSync(tmp, out);
    return { entries, documents: names.length };
  } catch (e) {
    if (copy.open) copy.close();
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Restores a backup into an empty data directory: the database file and its documents. */
export function restoreStore(backupFile: string, dbFile: string, documentsDir: string): { entries: number; documents: number } {
  if (!existsSync(backupFile)) throw new Error(`no backup at ${backupFile}`);
  if (existsSync(dbFile)) throw new Error(`${dbFile} exists; restore only into an empty data directory`);
  if (existsSync(documentsDir) && readdirSync(documentsDir).length > 0) throw new Error(`${documentsDir} is not empty`);
  const src = new Database(backupFile, { readonly: true, fileMustExist: true });
  let docs: { sha256: string; bytes: Buffer }[];
  let entries: number;
  try {
    const hasDocs = src.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(DOCS_TABLE);
    const hasEntries = src.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entries'").get();
    if (!hasDocs || !hasEntries) throw new Error(`${backupFile} is not a lotproof backup`);
    docs = src.prepare(`SELECT sha256, bytes FROM ${DOCS_TABLE}`).all() as { sha256: string; bytes: Buffer }[];
    entries = src.prepare('SELECT count(*) FROM entries').pluck().get() as number;
  } finally {
    src.close();
  }
  mkdirSync(documentsDir, { recursive: true });
  for (const d of docs) {
    if (!/^[0-9a-f]{64}$/.test(d.sha256)) throw new Error(`${backupFile} names a document ${JSON.stringify(d.sha256)}`);
    writeFileSync(join(documentsDir, d.sha256), d.bytes);
  }
  const tmp = `${dbFile}.restoring`;
  mkdirSync(dirname(dbFile), { recursive: true });
  writeFileSync(tmp, readFileSync(backupFile));
  const db = new Database(tmp);
  db.exec(`DROP TABLE ${DOCS_TABLE}`);
  db.exec('VACUUM');
  db.close();
  renameSync(tmp, dbFile);
  return { entries, documents: docs.length };
}
