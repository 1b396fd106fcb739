// Sign-in: a password form and one button per OAuth2 provider the server lists. An unverified account is sent
// on to the code page with a fresh code.
import { MonoliteError } from '../sdk/monolite.js';
import { bindForm, flowState, ml, nextPage, setupPage, showError } from './ui.js';

setupPage();

const after = nextPage('profile.html');

bindForm(document.getElementById('login'), async ({ email, password }) => {
  try {
    await ml.login(email, password);
  } catch (err) {
    if (!(err instanceof MonoliteError) || err.code !== 'email_verification_required') throw err;
    try {
      flowState.save('verify', { email, token: await ml.requestVerification(email, password) });
    } catch (requestErr) {
      // A code sent moments ago (at registration, in this tab) is still good: no new one until the cooldown ends.
      const pending = flowState.load('verify');
      if (!(requestErr instanceof MonoliteError) || requestErr.code !== 'otp_cooldown' || pending?.email !== email) throw requestErr;
    }
    location.assign(`verify.html?next=${encodeURIComponent(after)}`);
    return;
  }
  location.assign(after);
});

async function listProviders() {
  const section = document.getElementById('oauth2');
  const list = document.getElementById('providers');
  try {
    const providers = await ml.oauth2Providers();
    if (providers.length === 0) return;
    list.replaceChildren(...providers.map((provider) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = `Continue with ${provider.displayName || provider.name}`;
      button.addEventListener('click', () => {
        button.disabled = true;
        ml.oauth2Redirect(provider);
      });
      return button;
    }));
    section.hidden = false;
  } catch (err) {
    section.hidden = false;
    showError(section, err);
  }
}

listProviders();
