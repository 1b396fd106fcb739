// Registration: creates the account, has the verification code mailed, and hands over to the code page.
import { bindForm, ml, setupPage, startVerification } from './ui.js';

setupPage();

bindForm(document.getElementById('register'), async ({ email, password, password_confirm }, form) => {
  await ml.register(email, password, password_confirm);
  // The server answers a known address exactly like a new one; asking for the code is what tells them apart.
  if (await startVerification(form, email, password)) location.assign('verify.html');
});
