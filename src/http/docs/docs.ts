import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { notFound } from '../../model/errors.js';

/**
 * `/docs`: Swagger UI served from the installed `swagger-ui-dist` package (pinned in
 * package-lock), read from node_modules at run time, so the reference works without internet.
 * No inline script: the page loads `/docs/init.js`, which the Content-Security-Policy allows.
 */

export const DOCS_PATH = '/docs';
export const DOCS_ASSET_PATH = '/docs/:file';

/** Only `self`: scripts, styles, images and the document all come from this server. */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Swagger UI sets style attributes on its elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>adsm API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<noscript>The reference needs JavaScript; the raw document is <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#docs',
  deepLinking: true,
  validatorUrl: null,
});
`;

interface Asset {
  readonly body: string | Uint8Array<ArrayBuffer>;
  readonly type: string;
}

const PACKAGE_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

let assets: ReadonlyMap<string, Asset> | undefined;

/** Read once, on first use; the package's folder is found the way `import` would find it. */
function loadAssets(): ReadonlyMap<string, Asset> {
  if (assets) return assets;
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const map = new Map<string, Asset>();
  for (const [file, type] of Object.entries(PACKAGE_FILES)) {
    map.set(file, { body: new Uint8Array(readFileSync(join(dir, file))), type });
  }
  map.set('init.js', { body: INIT, type: 'text/javascript; charset=utf-8' });
  return (assets = map);
}

export function registerDocs(app: OpenAPIHono): void {
  app.get(DOCS_PATH, (c) =>
    c.html(PAGE, 200, { 'Content-Security-Policy': DOCS_CSP, 'Cache-Control': 'no-cache' }),
  );
  app.get(DOCS_ASSET_PATH, (c) => {
    const asset = loadAssets().get(c.req.param('file'));
    if (!asset) throw notFound('file');
    return c.body(asset.body, 200, {
      'Content-Type': asset.type,
      'Content-Security-Policy': DOCS_CSP,
      'Cache-Control': 'public, max-age=3600',
    });
  });
}
