// lotproof document uploads: the message an actor signs to store a content-addressed document.
// Domain-separated from statements, so an upload signature can never pass as a statement's.
import { canonicalBytes } from './jcs.ts';
import { concatBytes, utf8 } from './bytes.ts';

export const UPLOAD_CONTEXT = 'lotproof/upload/v1\n';

/** The bytes signed to authorise an upload: "lotproof/upload/v1\n" || JCS({actor, sha256, time}). */
export function uploadMessage(actor: string, sha256Hex: string, time: string): Uint8Array {
  return concatBytes(utf8(UPLOAD_CONTEXT), canonicalBytes({ actor, sha256: sha256Hex, time }));
}
