// Email verification: the code mailed after registration (its token is in this tab's sessionStorage), or a new
// code asked for with the account's email and password. A correct code signs in.
import { bindForm, flowState, ml, nextPage, setupPage, showStep, startVerification } from './ui.js';

setupPage();

const codeEmail = document.getElementById('code-email');

function start() {
  const state = flowState.load('verify');
  if (state?.token) {
    codeEmail.textContent = state.email;
    showStep('code', false);
  } else {
    showStep('request', false);
  }
}

bindForm(document.getElementById('confirm'), async ({ otp }) => {
  const state = flowState.load('verify');
  if (!state?.token) {
    showStep('request');
    return;
  }
  await ml.confirmVerification(otp.trim(), state.token);
  flowState.clear('verify');
  location.assign(nextPage('profile.html'));
});

bindForm(document.getElementById('request'), async ({ email, password }, form) => {
  if (!(await startVerification(form, email, password))) return;
  codeEmail.textContent = email;
  document.getElementById('code').value = '';
  showStep('code');
});

document.getElementById('resend').addEventListener('click', () => {
  const state = flowState.load('verify');
  if (state?.email) document.getElementById('email').value = state.email;
  showStep('request');
});

start();
