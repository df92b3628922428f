import countries from 'i18n-iso-countries';

/** The console's one HTML page: a shell the client module fills in; no inline script or style. */

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Every assigned alpha-2 code with its English name, sorted by name, for the country pickers. */
function countryOptions(codes: ReadonlySet<string>): string {
  const names = countries.getNames('en', { select: 'official' });
  return [...codes]
    .map((code) => ({ code, name: names[code] ?? code }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'))
    .map(({ code, name }) => `<option value="${escapeHtml(name)} (${code})"></option>`)
    .join('');
}

let options: string | undefined;

export function consolePage(opts: {
  readonly authRequired: boolean;
  readonly assetVersion: string;
  readonly countryCodes: ReadonlySet<string>;
}): string {
  options ??= countryOptions(opts.countryCodes);
  const v = encodeURIComponent(opts.assetVersion);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>adsm console</title>
<link rel="icon" href="/admin/assets/icon.svg?v=${v}" type="image/svg+xml">
<link rel="stylesheet" href="/admin/assets/console.css?v=${v}">
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
<datalist id="countries">${options}</datalist>
</body>
</html>`;
}
