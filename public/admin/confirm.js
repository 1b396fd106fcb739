// Confirmation of destructive actions with the page's one <dialog id="confirm">: a modal that names what will happen,
// Cancel focused first (Escape cancels too), and the focus back where it was afterwards.

/**
 * Asks before a destructive action: resolves to true when the admin presses the confirm button (labelled
 * `confirmLabel`), false on Cancel or Escape.
 */
export function confirmAction({ title, message, confirmLabel }) {
  const dialog = document.getElementById('confirm');
  const opener = document.activeElement;
  dialog.querySelector('#confirm-title').textContent = title;
  dialog.querySelector('#confirm-message').textContent = message;
  dialog.querySelector('#confirm-ok').textContent = confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === 'confirm');
    }, { once: true });
    dialog.showModal();
  });
}
