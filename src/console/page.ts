import { vocabulary } from './vocabulary.js';

/** The console's one HTML page: a shell the client module fills in; no inline script or style. */

/** JSON inside a `<script type="application/json">` block: nothing in it can close the element. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

let data: string | undefined;

export function consolePage(opts: {
  readonly authRequired: boolean;
  readonly assetVersion: string;
  readonly countryCodes: ReadonlySet<string>;
}): string {
  data ??= scriptJson(vocabulary(opts.countryCodes));
  const v = encodeURIComponent(opts.assetVersion);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>adsm console</title>
<link rel="icon" href="/admin/assets/icon.svg?v=${v}" type="image/svg+xml">
<link rel="stylesheet" href="/admin/assets/console.css?v=${v}">
<script type="application/json" id="vocabulary">${data}</script>
<script type="module" src="/admin/assets/main.js?v=${v}"></script>
</head>
<body data-auth="${opts.authRequired ? 'required' : 'open'}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">adsm console</span>
  <nav aria-label="Sections" id="nav" hidden>
    <a href="#/ads">Ads</a>
    <a href="#/who">Who sees what</a>
    <a href="#/cluster">Cluster</a>
    <button type="button" id="sign-out" hidden>Sign out</button>
  </nav>
</header>
<main id="main" tabindex="-1"><p>Loading…</p><noscript>The console needs JavaScript.</noscript></main>
<datalist id="countries"></datalist>
</body>
</html>`;
}
