/**
 * How the server reads the parts of the contract that leave room, served as the OpenAPI
 * document's description (and so on /docs). `README.md` in this folder says the same for readers
 * of the code.
 */
export const API_NOTES = `In-memory ad-serving API. Every error is \`{"error":{"code","message","details":[{"path","message"}]}}\`;
\`details\` paths are dotted (\`conditions.0.ageStart\`), header problems use the header name
(\`If-Match\`, \`Idempotency-Key\`) and query problems the parameter name.

**Order of checks.** readiness (503, \`/api/*\` routes only), auth (401), body size (413), body
type (415), JSON and validation (400, header problems included), existence (404), If-Match (412),
idempotency key reuse (422), quota (429). Routing comes first: an unknown path (including a
trailing slash) is a 404, and a known path asked with another method (OPTIONS too) a 405 with
\`Allow\`, whatever the token or readiness.

**Bodies.** Create and replace take \`application/json\`; parameters are allowed, but a \`charset\`
other than UTF-8 is a 415, and so is a missing \`Content-Type\`. Bodies over 65536 bytes are a 413,
by \`Content-Length\` or by the bytes actually sent. Invalid UTF-8 is \`invalid_json\`. A body on
GET or DELETE is ignored.

**Validation.** All problems of a body are reported at once. A title of 1..256 code points after
trimming; control characters are kept.

**Delivery settings.** A missing or \`null\` field of \`delivery\` (or of its \`goals\`) takes its
default, and every answer shows the settings whole. \`creative\` is answered with both fields
(\`landingUrl\`, \`data\`), \`null\` where not sent; \`data\` counts UTF-8 bytes of its compact
JSON. A \`PUT\` without \`delivery\` or \`creative\` puts back the defaults (it replaces the ad).

**Times.** RFC 3339 with a zone; \`T\`/\`Z\` may be lower case; fractions past milliseconds are
truncated; a leap second (\`:60\`) is rejected. The year as written must be 1970-9999 and so must
the UTC instant. Times in the past are accepted.

**Countries.** Assigned ISO 3166-1 alpha-2 codes only, ASCII letters in any case; user-assigned
codes such as \`XK\` are rejected.

**If-Match.** One value: \`"3"\`, \`3\`, \`W/"3"\` or \`*\`; a list of tags (or anything else) is a 400.
\`*\` on an unknown id is a 404. Successful POST and PUT answers carry \`ETag\` too.

**Idempotency-Key.** 1..200 characters (empty or longer is a 400); only POST reads it. "The same
body" is the same JSON value of the whole body as sent, so \`"conditions": {}\` and no
\`conditions\` differ. A replay answers 201 with the first answer's body, its \`Location\` and
\`ETag\`, and \`Idempotent-Replayed: true\`.

**Public query.** Integers are plain decimal digits (leading zeros allowed, at most 2^53-1 for
\`offset\`). Parameter names and values are form-urlencoded (\`+\` is a space, \`%xx\` decoded);
broken percent-encoding in a known parameter is a 400.

**Admin listing.** "Every ad the replica holds" includes expired ads: live ones come from memory,
expired ones (kept in the store until deleted) from the store. \`q\` is 1..256 code points, matched
after lower-casing both sides. The cursor is the last ad's \`(createdAt, id)\` position, so it does
not depend on the filters; anything the server did not make, or a parameter given twice or empty,
is a 400 naming the parameter. Unknown parameters are ignored.

**Delivery tracking.** \`POST /api/v1/events\` answers 202 once the accepted events are on the
replica's disk; with \`Idempotency-Key\` they are written to the store together with the key
instead (503 \`store_unavailable\` while it is unreachable; a retry with the key is safe).
\`accepted\` counts events, not their \`count\`s; \`at\` defaults to the time the request is
handled. The rate budget is checked before the body is read; a parsed request that goes over it
is refused whole (429, nothing counted). History: \`from\` and \`to\` are required, \`by\`
defaults to \`hour\`, \`to\` before \`from\` is a 400.

**Auth.** \`Authorization: Bearer <token>\`, scheme name in any case, in exactly one header; a
401 carries \`WWW-Authenticate: Bearer\`. Token guessing is throttled per client address: after
20 failed authentications in a minute (admin and events tokens alike), every route that asks for a
token answers that address 429 \`rate_limited\` with \`Retry-After\`, even with the right token.

**Request ids.** \`X-Request-Id\` is echoed when it is 1..128 visible ASCII characters,
otherwise replaced by a new id (36 characters shaped like a UUID, unique, not secret).`;
