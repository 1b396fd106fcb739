// OAuth2 sign-in: GET list-oauth2-providers (each provider with a fresh code verifier and the state bound to it) and
// POST auth-with-oauth2 (the provider side is src/auth/oauth2.ts; the accounts are decided here). An identity
// (provider, subject) signs in as the account it was linked to. A new identity with a verified email links to the
// verified account of that email, or creates a verified account; any other clash is 409 email_conflict.
import type { Router } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { OAuth2, type ProviderConfig } from './oauth2.ts';
import { emailProblem } from './email.ts';
import { type Accounts } from './accounts.ts';
import type { User } from './users.ts';
import type { AuthPaths } from './endpoints.ts';
import { readJsonObject } from '../http/body.ts';

// Provider calls must end well before the server's request timeout (60 s by default): GitHub makes two in parallel.
const PROVIDER_TIMEOUT_MS = 10_000;

export function registerOAuth2Routes(router: Router<Handler>, paths: AuthPaths, a: Accounts): void {
  // Rebuilt when a reload changes the providers.
  let built: { providers: ProviderConfig[]; oauth2: OAuth2 } | undefined;
  const oauth2 = (): OAuth2 => {
    const providers = a.config().oauth2;
    if (built?.providers !== providers) {
      built = { providers, oauth2: new OAuth2({ providers, stateKey: a.keys.key('oauth2_state'), timeoutMs: PROVIDER_TIMEOUT_MS, now: a.now }) };
    }
    return built.oauth2;
  };

  router.get(paths.list_oauth2_providers, (ctx) => {
    ctx.json(200, { providers: oauth2().list() });
  });

  router.post(paths.auth_with_oauth2, async (ctx) => {
    const body = await readJsonObject(ctx);
    const profile = await oauth2().authenticate(body);
    let user = a.users.findByIdentity(profile.provider, profile.subject);
    if (user === undefined) {
      if (!profile.emailVerified) {
        throw new HttpError(403, 'unverified_email', `${profile.provider} has not verified the email address ${profile.email}; verify it there first`);
      }
      if (emailProblem(profile.email) !== null) throw new HttpError(400, 'invalid_input', `${profile.provider} gave an unusable email address`);
      user = a.users.transaction((): User => {
        const existing = a.users.findByEmail(profile.email);
        if (existing !== undefined && !existing.verified) {
          // Whoever registered this address never proved it: linking would hand their account to the provider's user.
          throw new HttpError(409, 'email_conflict', 'An unverified account holds this email address; verify it, or sign in with its password');
        }
        const target = existing ?? a.users.create({ email: profile.email, name: profile.name, avatar: profile.avatar, verified: true });
        a.users.linkIdentity(target.id, profile.provider, profile.subject, profile.email);
        return target;
      });
      a.log.info('OAuth2 identity linked', { user_id: user.id, provider: profile.provider });
    }
    ctx.json(200, a.sessions.issue(user));
  });
}
