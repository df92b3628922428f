/**
 * The public query's rendered answers by request URL (the whole target: same URL, same parse,
 * same page), for one `AdsService.answersEpoch` at a time: an answer is kept only while the
 * epoch it was rendered in lasts, and a new epoch empties the cache. Only pages (200s) are kept,
 * never errors. Bounded by entries and bytes (URL + body); the oldest entries go first.
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

  /** The answer to `url` rendered in `epoch`, or `render()`'s, kept for the next ask. */
  answer(url: string, epoch: number, render: () => Buffer): Buffer {
    if (epoch !== this.epoch) this.reset(epoch);
    let body = this.answers.get(url);
    if (body === undefined) {
      body = render();
      this.keep(url, body);
    }
    return body;
  }

  /** Answers kept and their bytes, for tests and metrics. */
  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.answers.size, bytes: this.bytes };
  }

  private keep(url: string, body: Buffer): void {
    const size = url.length + body.length;
    const { entries, bytes } = this.limits;
    if (entries <= 0 || size > bytes) return;
    while (this.answers.size >= entries || this.bytes + size > bytes) {
      const [oldUrl, oldBody] = this.answers.entries().next().value!;
      this.answers.delete(oldUrl);
      this.bytes -= oldUrl.length + oldBody.length;
    }
    this.answers.set(url, body);
    this.bytes += size;
  }

  private reset(epoch: number): void {
    this.epoch = epoch;
    this.answers.clear();
    this.bytes = 0;
  }
}
