// A real OpenID Connect provider (npm `oidc-provider`) for the tests, standing in for Google or
// Microsoft. Any address passed as `login_hint` signs in at once (there is no one to type a
// password); addresses starting with `unverified` come back with email_verified = false.
//
//   PORT=4010 CLIENT_ID=candor CLIENT_SECRET=... REDIRECT_URI=http://127.0.0.1:3000/auth/sso/google/callback \
//   ID_TOKEN_TTL=600 node end2end/oidc/provider.mjs
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 4010);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID ?? 'candor',
    client_secret: process.env.CLIENT_SECRET ?? 'candor-test-secret-0123456789abcdef',
    redirect_uris: (process.env.REDIRECT_URI ?? 'http://127.0.0.1:3000/auth/sso/google/callback').split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  ttl: { IdToken: Number(process.env.ID_TOKEN_TTL ?? 600), AccessToken: 600, AuthorizationCode: 60 },
  features: { devInteractions: { enabled: false } },
  // Put email and email_verified in the ID token itself, as Google and Microsoft do.
  conformIdTokenClaims: false,
  cookies: { keys: ['candor-oidc-test-cookie-key'] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: !id.startsWith('unverified'), name: id.split('@')[0] };
      },
    };
  },
});
provider.proxy = false;

// Interactions finish on their own: log in the hinted address, grant what was asked.
async function interaction(req, res) {
  try {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params } = details;
    if (prompt.name === 'login') {
      const account = params.login_hint;
      if (!account) {
        res.writeHead(400).end('login_hint is required by this test provider');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: account } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    grant.addOIDCScope(params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
}

const callback = provider.callback();
http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) return interaction(req, res);
  return callback(req, res);
}).listen(port, '127.0.0.1', () => {
  console.log(`oidc provider ready at ${issuer}`);
});
