// A real OpenID Provider (the certified npm `oidc-provider`) for the sign-in integration tests.
//
//   node op.mjs CONFIG.json
//
// CONFIG: {"port": 0, "clients": [...oidc-provider client metadata...],
//          "accounts": {"<login>": {"password": "...", "claims": {...}, "amr": [...], "acr": "...",
//                                   "id_token_audience": "<optional: a wrong aud, for a refusal test>"}}}
// Prints one line "listening <issuer>" on stdout when it accepts connections.
// Login and consent are two HTML forms (POST), like any directory's pages.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};
const server = http.createServer();

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
    req.on('error', reject);
  });
}

function page(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Directory</title></head><body>${html}</body></html>`);
}

server.listen(config.port || 0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: false } },
    claims: {
      // The login's amr and acr go with the openid scope (into every ID token), as Entra ID's do.
      sid: null,
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'family_name', 'given_name', 'preferred_username', 'employee_id'],
    },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...account.claims }; } };
    },
    interactions: { url(ctx, interaction) { return `/interaction/${interaction.uid}`; } },
    ttl: { Session: 600, Interaction: 600, Grant: 600 },
  });
  provider.proxy = false;

  // A misconfigured directory (the refusal tests): an account may be given ID tokens whose
  // audience is another client's. The token is still signed by this provider.
  const issue = provider.IdToken.prototype.issue;
  provider.IdToken.prototype.issue = async function patchedIssue(...args) {
    const sub = this.available && this.available.sub;
    const wrong = sub && accounts[sub] && accounts[sub].id_token_audience;
    if (wrong) {
      const client = this.client;
      this.client = new Proxy(client, {
        get(target, prop) {
          if (prop === 'clientId') return wrong;
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      try { return await issue.apply(this, args); } finally { this.client = client; }
    }
    return issue.apply(this, args);
  };

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const match = /^\/interaction\/([^/?]+)(\/(login|confirm))?/.exec(req.url);
    if (!match) { callback(req, res); return; }
    try {
      const details = await provider.interactionDetails(req, res);
      const { uid, prompt, params } = details;
      if (req.method === 'GET' && prompt.name === 'login') {
        page(res, 200, `<h1>Sign in</h1><form method="post" action="/interaction/${uid}/login">
          <input name="login"><input name="password" type="password"><button>Sign in</button></form>`);
      } else if (req.method === 'GET' && prompt.name === 'consent') {
        page(res, 200, `<h1>Consent</h1><p>${escape(params.client_id)}</p>
          <form method="post" action="/interaction/${uid}/confirm"><button>Allow</button></form>`);
      } else if (req.method === 'POST' && match[3] === 'login') {
        const form = await readForm(req);
        const account = accounts[form.login];
        if (!account || account.password !== form.password) {
          page(res, 401, '<p>Wrong login or password</p>');
          return;
        }
        const login = { accountId: form.login, amr: account.amr || ['pwd'] };
        if (account.acr) login.acr = account.acr;
        await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
      } else if (req.method === 'POST' && match[3] === 'confirm') {
        const { session } = details;
        const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        grant.addOIDCScope(String(params.scope));
        if (details.prompt.details.missingOIDCClaims) {
          grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
        }
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      } else {
        page(res, 400, '<p>Unexpected step</p>');
      }
    } catch (error) {
      page(res, 500, `<p>${escape(error.message)}</p>`);
    }
  });
  process.stdout.write(`listening ${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
