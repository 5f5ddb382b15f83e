// Node's built-in crypto, for the core modules that have a faster native path (hash.ts,
// ed25519.ts): reached through process.getBuiltinModule (Node 20.16 and later) rather than an
// import, so that the same modules bundle for the browser, which has no `process` and gets
// undefined here. Only the members the core uses are typed.

export interface NodeKeyObject {
  export(options: { format: 'der'; type: 'spki' }): Uint8Array;
}

export interface NodeCrypto {
  /** One-shot digest; undefined before Node 20.12. */
  hash?: (algorithm: 'sha256', data: Uint8Array, encoding: 'latin1') => string;
  createPrivateKey(key: { key: Uint8Array; format: 'der'; type: 'pkcs8' }): NodeKeyObject;
  createPublicKey(key: NodeKeyObject): NodeKeyObject;
  sign(algorithm: null, data: Uint8Array, key: NodeKeyObject): Uint8Array;
}

export const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => NodeCrypto | undefined } }).process?.getBuiltinModule?.(
  'node:crypto',
);

/** A Node Buffer handed on as a plain Uint8Array view of the same bytes. */
export const plainBytes = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);
