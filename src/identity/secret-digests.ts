import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Holders of secrets (agents' API keys, operators' tokens), found by the secret. The presented
 * secret is hashed, and its SHA-256 is compared with every configured one in constant time (all
 * of them, always), so neither the answer's timing nor the order of the entries tells anything
 * about the secrets.
 */
export class SecretDigests<T> {
  readonly #entries: ReadonlyArray<{ digest: Buffer; holder: T }>;

  /** `entries`: each holder with the lower-case hex SHA-256 of its secret. */
  constructor(entries: ReadonlyArray<{ sha256: string; holder: T }>) {
    this.#entries = entries.map(({ sha256, holder }) => ({ digest: Buffer.from(sha256, 'hex'), holder }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Whose secret this is, or undefined. */
  find(secret: string): T | undefined {
    const digest = createHash('sha256').update(secret, 'utf8').digest();
    let found: T | undefined;
    for (const entry of this.#entries) if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry.holder;
    return found;
  }
}
