import { describe, expect, it } from 'vitest';
import type { Ad } from '../../model/ad.js';
import type { DecisionOutcome } from '../../delivery/decider.js';
import { renderDecisions } from './decisions-route.js';

const ad = (id: string, title: string, creative?: Ad['creative']): Ad =>
  ({
    id,
    title,
    startAt: 0,
    endAt: 1,
    conditions: [],
    version: 1,
    createdAt: 0,
    updatedAt: 0,
    creative,
  });

describe('the decisions answer', () => {
  it('is the JSON of its decisions, field for field, whatever the titles and creatives hold', () => {
    const ads = [
      ad('0193a1c6-0000-7000-8000-000000000000', 'AD "1" \\ \n\u2028 😀'),
      ad('x', 'plain', {
        landingUrl: 'https://shop.example/?q="a"',
        data: { image: '/a.png', n: [1, null] },
      }),
      ad('y', '', null),
    ];
    const outcome: DecisionOutcome = {
      decided: ads.map((a, i) => ({
        ad: a,
        decisionId: `1.8wm4.${i}`,
        impressionUrl: `/api/v1/t/IgAAAAEAB51pAAAA-_${i}`,
        clickUrl: `/api/v1/t/MgAAAAEAB51pAAAA_-${i}`,
        expiresAt: '2026-12-11T03:00:12.345Z',
      })),
      cappedOut: [],
      capsReached: true,
    };
    const expected = JSON.stringify({
      decisions: outcome.decided.map((d) => ({
        adId: d.ad.id,
        title: d.ad.title,
        creative: d.ad.creative ?? null,
        decisionId: d.decisionId,
        impressionUrl: d.impressionUrl,
        clickUrl: d.clickUrl,
        expiresAt: d.expiresAt,
      })),
    });
    expect(renderDecisions(outcome)).toBe(expected);
    expect(renderDecisions(outcome)).toBe(expected);
    expect(renderDecisions({ decided: [], cappedOut: [], capsReached: true })).toBe('{"decisions":[]}');
  });
});
