/**
 * Where a cluster keeps what its tracking URLs are signed with, beside the tracking store:
 * SQLite under DATA_DIR (embedded) or Postgres (replicated).
 */
export interface TrackingKeys {
  /**
   * The cluster's signing secret: the stored one, or `candidate` when none is stored yet, which
   * is then stored. Race-safe: processes asking together with different candidates all get the
   * same answer (the first one committed).
   */
  secret(candidate: string): Promise<string>;

  /** A signer id (1..2^32-1) never handed out before by this store: one per process start. */
  newSigner(): Promise<number>;

  /** Releases what the adapter owns (never a borrowed client). */
  close(): Promise<void>;
}
