/** What every load generator (wrk, autocannon) reports for one timed run. */
export type LoadKind = 'read' | 'write';

export interface LoadOptions {
  readonly url: string;
  readonly kind: LoadKind;
  readonly connections: number;
  readonly durationS: number;
  /** wrk threads (autocannon ignores it). */
  readonly threads: number;
}

export interface LoadResult {
  readonly tool: 'wrk' | 'autocannon';
  readonly connections: number;
  readonly durationS: number;
  readonly requests: number;
  readonly rps: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  /** Answers with a status other than 2xx (wrk counts status >= 400). */
  readonly non2xx: number;
  /** Connect, read, write errors and timeouts. */
  readonly socketErrors: number;
  /** The same, by kind, where the tool tells them apart. */
  readonly socketDetail?: { connect: number; read: number; write: number; timeout: number };
}

export type LoadTool = (opts: LoadOptions) => Promise<LoadResult>;
