/**
 * Lua scripts of the Redis write lock, one constant per script. They live in TypeScript rather
 * than `.lua` files so that the compiled output needs no copy step; each keeps a header that
 * states its KEYS, ARGV and return value.
 */

/** Compare-and-delete: only the holder of the token may release the lock. */
export const RELEASE_LUA = `
-- release: deletes the lock only if it still holds the caller's token.
-- KEYS[1]  the lock key
-- ARGV[1]  the caller's token
-- Returns  1 if the lock held the token and was deleted, 0 otherwise (expired or taken by another).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Compare-and-pexpire: only the holder of the token may extend its lease. */
export const EXTEND_LUA = `
-- extend: renews the lease of the lock only if it still holds the caller's token.
-- KEYS[1]  the lock key
-- ARGV[1]  the caller's token
-- ARGV[2]  the new lease in milliseconds
-- Returns  1 if the lease was renewed, 0 if the lock no longer holds the token.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;
