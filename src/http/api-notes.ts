/**
 * How the server reads the parts of the contract that leave room, served as the OpenAPI
 * document's description (and so on /docs).
 */
export const API_NOTES = `In-memory ad-serving API. Every error is \`{"error":{"code","message","details":[{"path","message"}]}}\`.

**Order of checks.** readiness (503, \`/api/*\` only), auth (401), body size (413), body type (415),
JSON and validation (400, header problems included), existence (404), If-Match (412),
idempotency key reuse (422), quota (429). An unknown path is a 404 and a known path asked with
another method a 405 with \`Allow\`, before any of these.

**Bodies.** Create and replace take \`application/json\`; parameters are allowed, but a \`charset\`
other than UTF-8 is a 415, and so is a missing \`Content-Type\`. Bodies over 65536 bytes are a 413,
by \`Content-Length\` or by the bytes actually sent. Invalid UTF-8 is \`invalid_json\`.

**Times.** RFC 3339 with a zone; \`T\`/\`Z\` may be lower case; fractions past milliseconds are
truncated; a leap second (\`:60\`) is rejected. The year as written must be 1970-9999 and so must
the UTC instant. Past times are accepted.

**Countries.** Assigned ISO 3166-1 alpha-2 codes only; user-assigned codes such as \`XK\` are
rejected. Letters must be ASCII.

**If-Match.** One value: \`"3"\`, \`3\`, \`W/"3"\` or \`*\`; a list of tags is a 400.

**Idempotency-Key.** 1..200 characters (empty or longer is a 400). "The same body" is the same
JSON value of the whole body as sent, so \`"conditions": {}\` and no \`conditions\` differ. A
replay answers 201 with the first answer's body, \`Location\`, \`ETag\` of that body and
\`Idempotent-Replayed: true\`.

**Request ids.** \`X-Request-Id\` is echoed when it is 1..128 visible ASCII characters,
otherwise replaced by a new UUID.`;
