import { describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.js';

/** A render function that counts its calls. */
function renderer(text: string) {
  const calls = { n: 0 };
  return { calls, render: () => (calls.n++, Buffer.from(text)) };
}

describe('AnswerCache', () => {
  it('renders an URL once per epoch and empties on a new epoch', () => {
    const cache = new AnswerCache();
    const a = renderer('A');
    expect(cache.answer('/a', 1, a.render).toString()).toBe('A');
    expect(cache.answer('/a', 1, a.render).toString()).toBe('A');
    expect(a.calls.n).toBe(1);
    const b = renderer('B');
    expect(cache.answer('/a', 2, b.render).toString()).toBe('B');
    expect(cache.size.entries).toBe(1);
    // An epoch seen before is still a change: what was kept in between is gone.
    expect(cache.answer('/a', 1, a.render).toString()).toBe('A');
    expect(a.calls.n).toBe(2);
  });

  it('keeps nothing when rendering throws', () => {
    const cache = new AnswerCache();
    const fail = () => {
      throw new Error('bad query');
    };
    expect(() => cache.answer('/bad', 1, fail)).toThrow('bad query');
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('drops the oldest answers past its entry limit', () => {
    const cache = new AnswerCache({ entries: 2, bytes: 1_000 });
    for (const url of ['/1', '/2', '/3']) cache.answer(url, 1, () => Buffer.from(url));
    expect(cache.size.entries).toBe(2);
    const again = renderer('again');
    cache.answer('/3', 1, again.render);
    cache.answer('/2', 1, again.render);
    expect(again.calls.n).toBe(0);
    cache.answer('/1', 1, again.render);
    expect(again.calls.n).toBe(1);
  });

  it('stays within its byte limit (URL and body) and keeps no answer larger than it', () => {
    const cache = new AnswerCache({ entries: 100, bytes: 30 });
    cache.answer('/a', 1, () => Buffer.alloc(10));
    cache.answer('/b', 1, () => Buffer.alloc(10));
    expect(cache.size).toEqual({ entries: 2, bytes: 24 });
    cache.answer('/c', 1, () => Buffer.alloc(10));
    expect(cache.size).toEqual({ entries: 2, bytes: 24 });
    expect(cache.answer('/huge', 1, () => Buffer.alloc(100)).length).toBe(100);
    expect(cache.size.entries).toBe(2);
  });

  it('keeps nothing with an entry limit of 0', () => {
    const cache = new AnswerCache({ entries: 0, bytes: 1_000 });
    const a = renderer('A');
    cache.answer('/a', 1, a.render);
    cache.answer('/a', 1, a.render);
    expect(a.calls.n).toBe(2);
  });
});
