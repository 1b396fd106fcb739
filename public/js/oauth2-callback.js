// Where an OAuth2 provider sends the browser back ([auth.oauth2.<provider>] redirect_url): completes the sign-in with
// the code and state in the URL, then goes on to the profile. Opened without them, it says what it is for.
import { ml, setupPage, showError } from './ui.js';

setupPage();

const message = document.getElementById('message');

async function complete() {
  const query = new URLSearchParams(location.search);
  if (!query.has('code') && !query.has('error')) {
    document.getElementById('title').textContent = 'OAuth2 callback';
    message.textContent = 'OAuth2 providers send you back to this page after you sign in with them. Start from the sign-in page.';
    return;
  }
  try {
    const session = await ml.oauth2Complete();
    message.textContent = `Signed in as ${session.record.email}.`;
    // replace(): the used code must not stay in the history, where Back would send it again.
    location.replace('profile.html');
  } catch (err) {
    document.getElementById('title').textContent = 'Sign-in failed';
    message.textContent = '';
    showError(document.getElementById('result'), err);
  }
}

complete();
