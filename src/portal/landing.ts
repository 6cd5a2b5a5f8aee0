import type { Config } from '../config.js';
import { escapeHtml } from '../identity/index.js';

/** The platform's home page: where to find the API reference and the OpenID provider. */
export function landingPage(config: Config): string {
  const base = escapeHtml(config.publicUrl);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Witty-Home platform</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1d2733}a{color:#00557f}code{background:#eef2f5;padding:.1rem .3rem}</style></head>
<body><h1>Witty-Home platform</h1>
<p>Open, self-hostable software for home EV charging stations: the partner REST API of the Witty-Home guide.</p>
<ul>
<li><a href="/docs">API reference</a> with try-it</li>
<li><a href="/v1/openapi.json">OpenAPI 3.1 document</a></li>
<li><a href="/.well-known/openid-configuration">OpenID Connect discovery</a> (issuer <code>${base}</code>)</li>
</ul>
<p>Every API call carries a subscription key (<code>Ocp-Apim-Subscription-Key</code>) and the user's access token (<code>Authorization: Bearer …</code>).</p>
</body></html>`;
}
