// A real OpenID provider for the tests (the npm package oidc-provider), on a random loopback port.
//
// Usage: node tests/oidc/provider.mjs '<json>' where the JSON names the client and the accounts:
//   {"client_id": "...", "client_secret": "...", "redirect_uris": ["..."],
//    "accounts": {"alice": {"email": "...", "email_verified": true, "groups": ["..."]}}}
// It prints one line {"issuer": "http://127.0.0.1:<port>"} once it listens.
//
// Besides the provider's own routes it answers:
//   POST /interaction/<uid>  body "login=<account id>": signs the account in and grants the
//                            client's scopes (no interactive page; tests post it with requests)
//   POST /test/accounts/<id>/delete   the account is gone: it can no longer sign in
//   POST /test/id-token-ttl/<seconds> lifetime of ID tokens issued from now on
//   POST /test/token-delay/<ms>       the token endpoint answers this much later (with a short
//                                     lifetime: an ID token that has expired when it arrives)
//   POST /test/rotate-key             sign with a new key (new kid) from now on
//   POST /test/deep/<what>            JSON nested deeper than a parser reads by recursion:
//                                     "discovery" or "token" answers that document as a list
//                                     nested 50,000 levels; "groups" signs ID tokens whose
//                                     groups claim is a list nested 2,000 levels
//   POST /test/reset                  accounts, lifetime, delay, deep answers and key as at start
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2] || '{}');
const initialAccounts = options.accounts || {};
let accounts = structuredClone(initialAccounts);
const DEFAULT_ID_TOKEN_TTL = 600;
let idTokenTtl = DEFAULT_ID_TOKEN_TTL;
let tokenDelayMs = 0;
const deep = new Set();
const DEEP_DOCUMENT = '['.repeat(50000) + ']'.repeat(50000);
const DEEP_PATHS = { discovery: '/.well-known/openid-configuration', token: '/token' };

function deepList(levels) {
  let list = [];
  for (let i = 1; i < levels; i += 1) list = [list];
  return list;
}

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}
const firstKey = newSigningKey();

const configuration = {
  clients: [
    {
      client_id: options.client_id,
      client_secret: options.client_secret,
      redirect_uris: options.redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  // Put the requested claims in the ID token too, as Entra ID does.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    IdToken: () => idTokenTtl,
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const claims = { sub: id, name: account.name || id, ...account };
        return deep.has('groups') ? { ...claims, groups: deepList(2000) } : claims;
      },
    };
  },
  renderError(ctx, out) {
    ctx.type = 'text/plain';
    ctx.body = `error: ${out.error}: ${out.error_description || ''}`;
  },
};

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function reply(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  // Sessions and grants live in the package's shared memory store, so a provider rebuilt with
  // another key carries on where the last one stopped.
  const build = (key) => new Provider(issuer, { ...configuration, jwks: { keys: [key] } });
  const original = build(firstKey);
  let provider = original;
  let handle = provider.callback();
  const use = (next) => {
    provider = next;
    handle = provider.callback();
  };

  async function interaction(req, res, uid) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return reply(res, 400, 'wrong interaction');
    if (req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(`<form method="post"><input name="login"><button>Sign in</button></form>`);
    }
    const login = (await readForm(req)).get('login');
    if (!login || !accounts[login]) return reply(res, 403, 'unknown account');
    const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: login }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] === 'interaction' && parts.length === 2) return await interaction(req, res, parts[1]);
      if (parts[0] === 'test' && req.method === 'POST') {
        if (parts[1] === 'reset') {
          accounts = structuredClone(initialAccounts);
          idTokenTtl = DEFAULT_ID_TOKEN_TTL;
          tokenDelayMs = 0;
          deep.clear();
          use(original);
        } else if (parts[1] === 'rotate-key') {
          use(build(newSigningKey()));
        } else if (parts[1] === 'accounts' && parts[3] === 'delete') {
          delete accounts[parts[2]];
        } else if (parts[1] === 'id-token-ttl') {
          idTokenTtl = Number(parts[2]);
        } else if (parts[1] === 'token-delay') {
          tokenDelayMs = Number(parts[2]);
        } else if (parts[1] === 'deep' && ['discovery', 'token', 'groups'].includes(parts[2])) {
          deep.add(parts[2]);
        } else {
          return reply(res, 404, 'no such test route');
        }
        return reply(res, 200, 'ok');
      }
      const deepAnswer = Object.keys(DEEP_PATHS).find(
        (what) => deep.has(what) && DEEP_PATHS[what] === url.pathname,
      );
      if (deepAnswer) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(DEEP_DOCUMENT);
      }
      if (url.pathname === '/token' && tokenDelayMs > 0) {
        const end = res.end.bind(res);
        res.end = (...args) => setTimeout(() => end(...args), tokenDelayMs);
      }
      return handle(req, res);
    } catch (error) {
      return reply(res, 500, String(error));
    }
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
