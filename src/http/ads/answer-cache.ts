/**
 * The public query's rendered answers by request URL (the whole target: same URL, same parse,
 * same page), for one `AdsService.answersEpoch` at a time: an answer is kept only while the
 * epoch it was rendered in lasts, and a new epoch empties the cache. The caller keeps only
 * pages (200s), never errors. Bounded by entries and bytes (URL + body); the oldest entries go first.
 */

export interface AnswerCacheLimits {
  /** Answers kept at most (0 = keep none). */
  readonly entries: number;
  /** Bytes of URLs and bodies kept at most. */
  readonly bytes: number;
}

/** Enough for the ~12,000 distinct queries of the benchmark's mix, pages up to 100 ads. */
export const DEFAULT_ANSWER_CACHE: AnswerCacheLimits = { entries: 32_768, bytes: 32 * 1024 * 1024 };

export class AnswerCache {
  private readonly answers = new Map<string, Buffer>();
  private epoch: number | undefined;
  private bytes = 0;

  constructor(private readonly limits: AnswerCacheLimits = DEFAULT_ANSWER_CACHE) {}

  /** The answer to `url` kept in `epoch`, if any; a new epoch first empties the cache. */
  get(url: string, epoch: number): Buffer | undefined {
    if (epoch !== this.epoch) {
      this.reset(epoch);
      return undefined;
    }
    return this.answers.get(url);
  }

  /** Keeps `body` as the answer to `url` in `epoch`, dropping the oldest answers to make room. */
  set(url: string, epoch: number, body: Buffer): void {
    if (epoch !== this.epoch) this.reset(epoch);
    const size = url.length + body.length;
    const { entries, bytes } = this.limits;
    if (entries <= 0 || size > bytes) return;
    const old = this.answers.get(url);
    if (old !== undefined) {
      this.answers.delete(url);
      this.bytes -= url.length + old.length;
    }
    while (this.answers.size >= entries || this.bytes + size > bytes) {
      const [oldUrl, oldBody] = this.answers.entries().next().value!;
      this.answers.delete(oldUrl);
      this.bytes -= oldUrl.length + oldBody.length;
    }
    this.answers.set(url, body);
    this.bytes += size;
  }

  /** Answers kept and their bytes, for tests and metrics. */
  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.answers.size, bytes: this.bytes };
  }

  private reset(epoch: number): void {
    this.epoch = epoch;
    this.answers.clear();
    this.bytes = 0;
  }
}
