import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY } from '../../model/delivery.js';
import { AppError } from '../../model/errors.js';
import { toAdInput } from './schemas.js';
import { validateAdBody } from '../input/validation.js';

const base = { title: 'AD 55', startAt: '2026-12-10T03:00:00Z', endAt: '2026-12-31T16:00:00Z' };

function details(body: unknown) {
  try {
    validateAdBody(body);
  } catch (err) {
    if (err instanceof AppError) return err.details;
    throw err;
  }
  throw new Error('expected a validation failure');
}

const input = (body: unknown) => toAdInput(validateAdBody(body));

describe('create/replace body', () => {
  it('trims the title and turns times into epoch ms', () => {
    expect(input({ ...base, title: '  AD 55 \n' })).toEqual({
      title: 'AD 55',
      startAt: Date.UTC(2026, 11, 10, 3),
      endAt: Date.UTC(2026, 11, 31, 16),
      conditions: [],
      delivery: DEFAULT_DELIVERY,
      creative: null,
    });
  });

  it('counts title length in code points after trimming', () => {
    expect(input({ ...base, title: '😀'.repeat(256) }).title).toHaveLength(512);
    expect(details({ ...base, title: '😀'.repeat(257) })).toEqual([
      { path: 'title', message: expect.stringMatching(/256/) as string },
    ]);
    expect(details({ ...base, title: '   ' })).toEqual([{ path: 'title', message: 'must not be empty' }]);
  });

  it.each([[undefined], [null], [{}], [[]], [[{ country: ['TW'] }, {}]], [[{ gender: null }]]])(
    'conditions %j target everyone',
    (conditions) => {
      expect(input({ ...base, conditions }).conditions).toEqual([]);
    },
  );

  it('normalises one set or a list: nulls dropped, duplicates removed, countries upper case', () => {
    expect(
      input({ ...base, conditions: { country: ['tw', 'TW', 'jp'], ageStart: null, gender: ['F', 'F'] } })
        .conditions,
    ).toEqual([{ gender: ['F'], country: ['TW', 'JP'] }]);
    expect(
      input({ ...base, conditions: [{ ageStart: 20, ageEnd: 30 }, { platform: ['ios', 'web', 'ios'] }] })
        .conditions,
    ).toEqual([{ ageStart: 20, ageEnd: 30 }, { platform: ['ios', 'web'] }]);
  });

  it.each([
    [{ ...base, extra: 1 }, 'extra'],
    [{ ...base, title: undefined }, 'title'],
    [{ ...base, title: 5 }, 'title'],
    [{ ...base, startAt: '2026-12-10' }, 'startAt'],
    [{ ...base, endAt: '2026-12-31T16:00:00' }, 'endAt'],
    [{ ...base, endAt: base.startAt }, 'endAt'],
    [{ ...base, conditions: 5 }, 'conditions'],
    [{ ...base, conditions: { age: 3 } }, 'conditions.age'],
    [{ ...base, conditions: { ageStart: 0 } }, 'conditions.ageStart'],
    [{ ...base, conditions: [{ ageStart: 1 }, { ageEnd: 101 }] }, 'conditions.1.ageEnd'],
    [{ ...base, conditions: [{ ageStart: 2.5 }] }, 'conditions.0.ageStart'],
    [{ ...base, conditions: [{ ageStart: 30, ageEnd: 20 }] }, 'conditions.0.ageEnd'],
    [{ ...base, conditions: { gender: [] } }, 'conditions.gender'],
    [{ ...base, conditions: { gender: ['m'] } }, 'conditions.gender.0'],
    [{ ...base, conditions: { country: ['TW', 'ZZ'] } }, 'conditions.country.1'],
    [{ ...base, conditions: { country: 'TW' } }, 'conditions.country'],
    [{ ...base, conditions: { platform: ['Android'] } }, 'conditions.platform.0'],
    [{ ...base, conditions: [[{}]] }, 'conditions.0'],
    [[base], ''],
  ])('rejects %j at %s', (body, path) => {
    expect(details(body).map((d) => d.path)).toContain(path);
  });

  it('reports every problem, one detail per unknown field', () => {
    const paths = details({ title: '', startAt: 'x', endAt: 'y', a: 1, b: 2 }).map((d) => d.path);
    expect(paths.sort()).toEqual(['a', 'b', 'endAt', 'startAt', 'title']);
  });

  it('rejects a __proto__ field like any unknown field', () => {
    expect(
      details(JSON.parse(`{"title":"t","startAt":"${base.startAt}","endAt":"${base.endAt}","__proto__":{}}`)),
    ).toEqual([{ path: '__proto__', message: 'unknown field' }]);
  });
});
