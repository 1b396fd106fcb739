// Email change: the new address and the password (a code goes to the new address), then the code. Every session
// ends once the address changed, so the page ends with a link to sign in again.
import { bindForm, flowState, ml, requireSignIn, setupPage, showStep } from './ui.js';

setupPage();

const FLOW = 'email-change';

bindForm(document.getElementById('request'), async ({ new_email, password }) => {
  const token = await ml.requestEmailChange(new_email, password);
  flowState.save(FLOW, { email: new_email, token });
  document.getElementById('code-email').textContent = new_email;
  showStep('code');
});

bindForm(document.getElementById('confirm'), async ({ otp }) => {
  const state = flowState.load(FLOW);
  await ml.confirmEmailChange(otp.trim(), state?.token ?? '');
  flowState.clear(FLOW);
  document.getElementById('gate').hidden = true;
  document.getElementById('done-message').textContent = `Your email is now ${state?.email}. Every session ended: sign in again with the new address.`;
  showStep('done');
});

for (const button of document.querySelectorAll('[data-restart]')) {
  button.addEventListener('click', () => {
    flowState.clear(FLOW);
    for (const form of document.querySelectorAll('form')) form.reset();
    showStep('request');
  });
}

if (requireSignIn(document.getElementById('gate'))) {
  const state = flowState.load(FLOW);
  if (state?.token) {
    document.getElementById('code-email').textContent = state.email;
    showStep('code', false);
  }
}
