// Password reset in three steps: the email (a code is mailed), the code (it earns a reset grant), the new password.
// The flow's token and grant stay in this tab's sessionStorage, so a reload resumes at the same step.
import { bindForm, flowState, ml, setupPage, showStep } from './ui.js';

setupPage();

const FLOW = 'reset';

function resume() {
  const state = flowState.load(FLOW);
  document.getElementById('code-email').textContent = state?.email ?? '';
  document.getElementById('reset-username').value = state?.email ?? '';
  if (state?.grant) showStep('password', false);
  else if (state?.token) showStep('code', false);
  else showStep('email', false);
}

bindForm(document.getElementById('request'), async ({ email }) => {
  const token = await ml.requestPasswordReset(email);
  flowState.save(FLOW, { email, token });
  document.getElementById('code-email').textContent = email;
  document.getElementById('reset-username').value = email;
  showStep('code');
});

bindForm(document.getElementById('verify'), async ({ otp }) => {
  const state = flowState.load(FLOW);
  const grant = await ml.verifyPasswordReset(otp.trim(), state?.token ?? '');
  flowState.save(FLOW, { ...state, grant });
  showStep('password');
});

bindForm(document.getElementById('reset'), async ({ password, password_confirm }) => {
  const state = flowState.load(FLOW);
  await ml.confirmPasswordReset(state?.grant ?? '', password, password_confirm);
  flowState.clear(FLOW);
  // Every session of the account ended with the old password, this tab's included.
  ml.logout();
  document.getElementById('done-message').textContent = 'Your password was changed and every session of the account ended. Sign in with the new password.';
  showStep('done');
});

for (const button of document.querySelectorAll('[data-restart]')) {
  button.addEventListener('click', () => {
    flowState.clear(FLOW);
    for (const form of document.querySelectorAll('form')) form.reset();
    showStep('email');
  });
}

resume();
