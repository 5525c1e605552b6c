// A real, conformant OpenID provider (panva/oidc-provider) for expertpool's tests, on 127.0.0.1.
//
// Usage: node provider.js   (env: PORT, 0 picks a free one; ISSUER, default http://127.0.0.1:<port>)
// It prints "listening <issuer> <port>" once ready. Test-only controls, never part of a real provider:
//   POST /_test/users   {"<login>": {claims}}  adds people who may sign in (any non-empty password);
//                                               "email_verified" absent from the claims is left out of
//                                               the tokens, as ProConnect does
//   POST /_test/tamper  {"iss"|"aud"|"nonce"|"exp_offset"|"foreign_key": ...}  alters the next ID tokens
//                                               (re-signed with the provider's own key, or a foreign one)
//   POST /_test/reset   forgets the users and the tampering
// Clients: "expertpool" (userinfo signed, as ProConnect serves it) and "expertpool-json" (plain JSON
// userinfo), secret "test-secret"; any loopback redirect URI ending in /compte/oidc/retour is accepted.

import { createServer } from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 0);
const SECRET = 'test-secret';
const CALLBACK_PATH = '/compte/oidc/retour';

const state = { users: {}, tamper: {} };

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
const foreign = await jose.generateKeyPair('RS256', { extractable: true });

// ProConnect's scopes are its claims' names.
const claims = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  given_name: ['given_name'],
  usual_name: ['usual_name'],
  siret: ['siret'],
  uid: ['uid'],
  profile: ['name', 'given_name', 'family_name'],
};

const client = (clientId, extra) => ({
  client_id: clientId,
  client_secret: SECRET,
  redirect_uris: [`http://localhost${CALLBACK_PATH}`],
  post_logout_redirect_uris: ['http://localhost/compte/connexion'],
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'client_secret_post',
  id_token_signed_response_alg: 'RS256',
  ...extra,
});

function loopback(value, path) {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname) && url.pathname === path;
  } catch {
    return false;
  }
}

async function build(issuer) {
  const provider = new Provider(issuer, {
    clients: [
      client('expertpool', { userinfo_signed_response_alg: 'RS256' }),
      client('expertpool-json', {}),
    ],
    jwks: { keys: [signingJwk] },
    claims,
    scopes: Object.keys(claims),
    pkce: { methods: ['S256'], required: () => true },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // The confirmation form is posted by the browser (or the test) itself: no script.
        logoutSource: async (ctx, form) => {
          ctx.body = `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Déconnexion</title></head>
            <body><h1>Se déconnecter du fournisseur ?</h1>${form}
            <button type="submit" form="op.logoutForm" value="yes" name="logout">Oui, me déconnecter</button></body></html>`;
        },
      },
    },
    cookies: { keys: ['test-cookie-key'] },
    ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Interaction: 3600, Grant: 3600 },
    async findAccount(ctx, sub) {
      const person = state.users[sub];
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...person }) };
    },
    // First-party test clients: consent is implied, so the login is the only page.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Erreur</title></head>
        <body><h1>Erreur</h1><pre id="error">${out.error}: ${out.error_description || ''}</pre></body></html>`;
    },
  });
  provider.Client.prototype.redirectUriAllowed = function allowed(value) {
    return loopback(value, CALLBACK_PATH);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(value) {
    return loopback(value, '/compte/connexion');
  };
  return provider;
}

// Re-signs the ID token of a token response according to state.tamper.
async function tamperIdToken(body) {
  const t = state.tamper;
  if (!body || typeof body.id_token !== 'string' || Object.keys(t).length === 0) return body;
  const payload = jose.decodeJwt(body.id_token);
  if (t.iss) payload.iss = t.iss;
  if (t.aud) payload.aud = t.aud;
  if (t.nonce) payload.nonce = t.nonce;
  if (t.exp_offset) {
    payload.exp += t.exp_offset;
    payload.iat += t.exp_offset;
  }
  const key = t.foreign_key ? foreign.privateKey : privateKey;
  const idToken = await new jose.SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key);
  return { ...body, id_token: idToken };
}

function loginPage(uid, error) {
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fournisseur de test</title>
    <meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
    <h1>Fournisseur d'identité de test</h1>${error ? `<p id="error">${error}</p>` : ''}
    <form method="post" action="/interaction/${uid}/login">
      <label for="login">Identifiant</label> <input id="login" name="login" autocomplete="username">
      <label for="password">Mot de passe</label> <input id="password" name="password" type="password">
      <button type="submit">Se connecter</button>
    </form></body></html>`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

const server = createServer();
server.listen(port, '127.0.0.1', async () => {
  const actualPort = server.address().port;
  const issuer = process.env.ISSUER || `http://127.0.0.1:${actualPort}`;
  const provider = await build(issuer);
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.status === 200) ctx.body = await tamperIdToken(ctx.body);
  });
  const oidc = provider.callback();

  server.on('request', async (req, res) => {
    try {
      const path = req.url.split('?')[0];
      if (req.method === 'POST' && path.startsWith('/_test/')) {
        const body = await readBody(req);
        if (path === '/_test/users') Object.assign(state.users, JSON.parse(body || '{}'));
        else if (path === '/_test/tamper') state.tamper = JSON.parse(body || '{}');
        else if (path === '/_test/reset') { state.users = {}; state.tamper = {}; }
        res.writeHead(204).end();
        return;
      }
      const interaction = path.match(/^\/interaction\/([^/]+)(\/login)?$/);
      if (interaction) {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
          return;
        }
        const form = new URLSearchParams(await readBody(req));
        const login = form.get('login') || '';
        if (!state.users[login] || !form.get('password')) {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
            .end(loginPage(details.uid, 'Identifiant ou mot de passe incorrect.'));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
        return;
      }
      oidc(req, res);
    } catch (error) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error));
    }
  });
  console.log(`listening ${issuer} ${actualPort}`);
});
