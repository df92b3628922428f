import { describe, expect, it } from 'vitest';
import { AppError } from '../model/errors.js';
import { asStoreError, isConnectionError, mapStoreErrors } from './postgres-errors.js';

/** An error shaped as pg and node:net make them: a message and a `code`. */
const pgError = (code: string, message = `failed with ${code}`) =>
  Object.assign(new Error(message), { code });

describe('Postgres error mapping', () => {
  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ['ECONNRESET', 'read ECONNRESET'],
    ['ETIMEDOUT', 'connect ETIMEDOUT'],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH'],
    ['ENETUNREACH', 'connect ENETUNREACH'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND db'],
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN db'],
    ['EPIPE', 'write EPIPE'],
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection because of crash of another server process'],
    ['57P03', 'the database system is starting up'],
    ['55000', 'database "adsm" is not currently accepting connections'],
    ['25006', 'cannot execute INSERT in a read-only transaction'],
    ['57014', 'canceling statement due to statement timeout'],
    ['55P03', 'canceling statement due to lock timeout'],
    ['25P03', 'terminating connection due to idle-in-transaction timeout'],
    ['53300', 'sorry, too many clients already'],
    ['53100', 'could not extend file: No space left on device'],
    ['08006', 'connection failure'],
    ['08001', 'could not establish connection'],
  ])('%s (%s) is an outage: 503 store_unavailable', (code, message) => {
    const err = pgError(code, message);
    expect(isConnectionError(err)).toBe(true);
    const mapped = asStoreError(err);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toMatchObject({ code: 'store_unavailable', status: 503, cause: err });
    expect((mapped as AppError).headers?.['Retry-After']).toMatch(/^\d+$/);
  });

  it.each([
    ['Connection terminated unexpectedly'],
    ['timeout exceeded when trying to connect'],
    ['Connection terminated due to connection timeout'],
    ['Client has encountered a connection error and is not queryable'],
  ])('pg and pg-pool messages without a code are outages: %s', (message) => {
    expect(isConnectionError(new Error(message))).toBe(true);
  });

  it('finds a refused connection inside an AggregateError (IPv4 and IPv6 both tried)', () => {
    const err = new AggregateError([pgError('ECONNREFUSED'), pgError('ECONNREFUSED')], '');
    expect(isConnectionError(err)).toBe(true);
  });

  it.each([
    ['42601', 'syntax error at or near "SELEC"'],
    ['42P01', 'relation "ads" does not exist'],
    ['23505', 'duplicate key value violates unique constraint'],
    ['22P02', 'invalid input syntax for type bigint'],
    ['55000', 'currval of sequence "s" is not yet defined in this session'],
    ['XX000', 'internal error'],
    ['42601', 'Connection terminated in a quoted string'],
  ])('%s (%s) is a bug, not an outage: stays a 500', (code, message) => {
    const err = pgError(code, message);
    expect(isConnectionError(err)).toBe(false);
    expect(asStoreError(err)).toBe(err);
  });

  it('leaves non-errors, plain bugs and AppErrors as they are', () => {
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(asStoreError(bug)).toBe(bug);
    const known = new AppError({ code: 'not_found', status: 404, message: 'no' });
    expect(asStoreError(known)).toBe(known);
  });

  it.each([
    [new TypeError('Connection terminated unexpectedly')],
    [new TypeError("Cannot read properties of undefined (reading 'query'): Client was closed")],
    [new RangeError('Connection refused: offset out of range')],
    [new AggregateError([new TypeError('Connection terminated')], '')],
  ])('a bug of the engine kind is never an outage, whatever its message: %s', (bug) => {
    expect(isConnectionError(bug)).toBe(false);
    expect(asStoreError(bug)).toBe(bug);
  });

  it("maps a call's outage to store_unavailable and lets everything else through", async () => {
    await expect(mapStoreErrors(() => Promise.reject(pgError('ECONNREFUSED')))).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    await expect(mapStoreErrors(() => Promise.reject(pgError('42601')))).rejects.toMatchObject({
      code: '42601',
    });
    const bug = new TypeError('Connection terminated');
    await expect(mapStoreErrors(() => Promise.reject(bug))).rejects.toBe(bug);
    await expect(mapStoreErrors(() => Promise.resolve(2))).resolves.toBe(2);
  });

  it('a call that throws before returning its promise rejects, mapped the same way', async () => {
    const outage = mapStoreErrors((): Promise<never> => {
      throw pgError('57P01');
    });
    await expect(outage).rejects.toMatchObject({ code: 'store_unavailable' });
    const bug = new TypeError('x is not a function');
    const failed = mapStoreErrors((): Promise<never> => {
      throw bug;
    });
    await expect(failed).rejects.toBe(bug);
  });
});
