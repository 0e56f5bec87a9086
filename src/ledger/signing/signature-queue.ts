import type { Signer } from '@warden/ledger';

/**
 * Ed25519 signatures for event hashes, handed out in the order they were asked for: `then` of
 * one request runs before `then` of any later request, and synchronously after the signatures
 * are known, so a writer can submit its appends in the order it reserved their chain positions.
 * If signing fails, `then` never runs and the request rejects (fail closed).
 */
export interface SignatureQueue {
  readonly kid: string;
  /**
   * @param background nobody waits on this signature (a call's outcome, written behind the
   *   answer): it never takes the place of a request that someone does wait on.
   */
  sign<T>(hashes: readonly Uint8Array[], then: (signatures: Uint8Array[]) => Promise<T>, background?: boolean): Promise<T>;
  close(): Promise<void>;
}

/** Signs on the calling thread, at once. */
export function inlineSignatures(signer: Signer): SignatureQueue {
  return {
    kid: signer.kid,
    sign: async (hashes, then) => then(hashes.map((hash) => signer.sign(hash))),
    close: async () => undefined,
  };
}

export function isSignatureQueue(signer: Signer | SignatureQueue): signer is SignatureQueue {
  return typeof (signer as SignatureQueue).close === 'function';
}
