// The signed-in account: what the server knows (GET /api/me), name and avatar editing, sign out here or everywhere,
// and account deletion.
import { MonoliteError } from '../sdk/monolite.js';
import { bindForm, ml, requireSignIn, say, setupPage, showError } from './ui.js';

setupPage();

const container = document.getElementById('profile');

function render(user) {
  document.getElementById('me-email').textContent = user.email;
  document.getElementById('me-name').textContent = user.name || '(none)';
  // The avatar is shown as its address: the pages' CSP loads images from this origin only.
  const avatar = document.getElementById('me-avatar');
  if (/^https:\/\//i.test(user.avatar)) {
    const link = document.createElement('a');
    link.href = user.avatar;
    link.rel = 'noopener noreferrer';
    link.textContent = user.avatar;
    avatar.replaceChildren(link);
  } else {
    avatar.textContent = user.avatar || '(none)';
  }
  document.getElementById('me-verified').textContent = user.verified ? 'yes' : 'no';
  document.getElementById('me-id').textContent = String(user.id);
  document.getElementById('name').value = user.name;
  document.getElementById('avatar').value = user.avatar;
  for (const input of document.querySelectorAll('input[name="username"]')) input.value = user.email;
}

async function load() {
  if (!requireSignIn(container)) return;
  try {
    render(await ml.me());
  } catch (err) {
    // A session ended elsewhere (logout everywhere, a password or email change): forget it and offer to sign in.
    if (err instanceof MonoliteError && err.status === 401) {
      ml.logout();
      requireSignIn(container);
      return;
    }
    showError(document.getElementById('load-error'), err);
  }
}

bindForm(document.getElementById('edit'), async ({ name, avatar }, form) => {
  render(await ml.updateMe({ name: name.trim(), avatar: avatar.trim() }));
  say(form, 'Saved.');
});

document.getElementById('logout').addEventListener('click', () => {
  ml.logout();
  location.assign('login.html');
});

bindForm(document.getElementById('sessions'), async () => {
  await ml.logoutAll();
  location.assign('login.html');
});

bindForm(document.getElementById('delete'), async ({ password }) => {
  await ml.deleteMe(password); // the SDK forgets the session
  location.assign('index.html');
});

load();
