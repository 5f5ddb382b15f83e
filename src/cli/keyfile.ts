// Private key files: RFC 8410 PKCS#8 PEM, mode 0600, created exclusively, refused when other
// users could read them. The key bytes are never printed or logged.
import { closeSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { decodePrivateKeyPem, encodePrivateKeyPem, generateKeyPair, type KeyPair } from '../core/ed25519.ts';

export class KeyFileError extends Error {}

/** Writes a new key file with mode 0600; refuses to overwrite an existing file. */
export function writeKeyFile(path: string, kp: KeyPair): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new KeyFileError(`${path} already exists; refusing to overwrite a key`);
    throw new KeyFileError(`cannot create ${path}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, encodePrivateKeyPem(kp));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads a key file, refusing one that is group- or world-accessible. */
export function readKeyFile(path: string): KeyPair {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new KeyFileError(`cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!st.isFile()) throw new KeyFileError(`${path} is not a file`);
  if ((st.mode & 0o077) !== 0) {
    throw new KeyFileError(`key file ${path} is accessible to other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${path}`);
  }
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KeyFileError(`cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return decodePrivateKeyPem(pem);
  } catch {
    throw new KeyFileError(`${path} is not a PKCS#8 PEM Ed25519 private key`);
  }
}

/** Reads the key at `path`, or creates it when the file is missing and `mayCreate` allows. */
export function loadOrCreateKeyFile(path: string, mayCreate: boolean): { key: KeyPair; created: boolean } {
  try {
    statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new KeyFileError(`cannot read key file ${path}: ${(e as Error).message}`);
    if (!mayCreate) throw new KeyFileError(`key file ${path} is missing`);
    const key = generateKeyPair();
    writeKeyFile(path, key);
    return { key, created: true };
  }
  return { key: readKeyFile(path), created: false };
}
