// Registration: creates the account, has the verification code mailed, and hands over to the code page.
import { MonoliteError } from '../sdk/monolite.js';
import { bindForm, flowState, ml, say, setupPage } from './ui.js';

setupPage();

bindForm(document.getElementById('register'), async ({ email, password, password_confirm }, form) => {
  await ml.register(email, password, password_confirm);
  // The server answers a known address exactly like a new one; asking for the code is what tells them apart.
  let token;
  try {
    token = await ml.requestVerification(email, password);
  } catch (err) {
    if (!(err instanceof MonoliteError) || err.code !== 'already_verified') throw err;
    say(form, 'This address is already verified: sign in with it.');
    return;
  }
  flowState.save('verify', { email, token });
  location.assign('verify.html');
});
