import { describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.js';

const text = (b: Buffer | undefined) => b?.toString();

describe('AnswerCache', () => {
  it('answers what was kept in the same epoch, nothing after a new one', () => {
    const cache = new AnswerCache();
    expect(cache.get('/a', 1)).toBeUndefined();
    cache.set('/a', 1, Buffer.from('A'));
    expect(text(cache.get('/a', 1))).toBe('A');
    expect(cache.get('/b', 1)).toBeUndefined();
    expect(cache.get('/a', 2)).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
    // An epoch seen before is a change too: what was kept in between is gone.
    cache.set('/a', 2, Buffer.from('A2'));
    expect(cache.get('/a', 1)).toBeUndefined();
  });

  it('keeps an answer set for a new epoch under that epoch only', () => {
    const cache = new AnswerCache();
    cache.set('/a', 1, Buffer.from('A'));
    cache.set('/b', 2, Buffer.from('B'));
    expect(text(cache.get('/b', 2))).toBe('B');
    expect(cache.get('/a', 2)).toBeUndefined();
  });

  it('drops the oldest answers past its entry limit', () => {
    const cache = new AnswerCache({ entries: 2, bytes: 1_000 });
    for (const url of ['/1', '/2', '/3']) cache.set(url, 1, Buffer.from(url));
    expect(cache.size.entries).toBe(2);
    expect(cache.get('/1', 1)).toBeUndefined();
    expect(text(cache.get('/2', 1))).toBe('/2');
    expect(text(cache.get('/3', 1))).toBe('/3');
  });

  it('stays within its byte limit (URL and body) and keeps no answer larger than it', () => {
    const cache = new AnswerCache({ entries: 100, bytes: 30 });
    cache.set('/a', 1, Buffer.alloc(10));
    cache.set('/b', 1, Buffer.alloc(10));
    expect(cache.size).toEqual({ entries: 2, bytes: 24 });
    cache.set('/c', 1, Buffer.alloc(10));
    expect(cache.size).toEqual({ entries: 2, bytes: 24 });
    expect(cache.get('/a', 1)).toBeUndefined();
    cache.set('/huge', 1, Buffer.alloc(100));
    expect(cache.get('/huge', 1)).toBeUndefined();
    expect(cache.size.entries).toBe(2);
  });

  it('replaces an answer set twice, counting its bytes once', () => {
    const cache = new AnswerCache({ entries: 10, bytes: 100 });
    cache.set('/a', 1, Buffer.alloc(10));
    cache.set('/a', 1, Buffer.alloc(20));
    expect(cache.size).toEqual({ entries: 1, bytes: 22 });
  });

  it('keeps nothing with an entry limit of 0', () => {
    const cache = new AnswerCache({ entries: 0, bytes: 1_000 });
    cache.set('/a', 1, Buffer.from('A'));
    expect(cache.get('/a', 1)).toBeUndefined();
  });
});
