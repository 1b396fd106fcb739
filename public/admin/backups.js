// The backups view: the backups in backup.dir (GET /api/admin/backups), "Back up now" with the run's progress polled
// until it ends, and downloads — fetched with the session token (a plain link cannot carry it) and saved through an
// object URL.
import { ml } from '../js/ui.js';
import { busy, button, clear, el, messageRow, report, row, sayInSection } from './elements.js';
import { formatBytes, timeElement } from './format.js';

const COLUMNS = 5;
const POLL_MS = 250;

/** The backups view of `section` (#view-backups). */
export function createBackupsView(section) {
  const tbody = section.querySelector('#backups-table tbody');
  const dir = section.querySelector('#backups-dir');
  const nowButton = section.querySelector('#backup-now');
  const progressLabel = section.querySelector('#backup-progress-label');
  const progress = section.querySelector('#backup-progress');
  /** The run being followed, so that a second load does not start a second poll. */
  let following = null;
  let generation = 0;

  async function load() {
    const mine = ++generation;
    section.setAttribute('aria-busy', 'true');
    try {
      const answer = await ml.send('GET', '/api/admin/backups');
      if (mine !== generation) return;
      dir.textContent = answer.dir;
      tbody.replaceChildren(...(answer.backups.length === 0 ? [messageRow(COLUMNS, 'No backup yet.')] : answer.backups.map(backupRow)));
      if (answer.running !== null && following === null) follow(answer.running);
    } catch (err) {
      if (mine === generation) report(section, err);
    } finally {
      if (mine === generation) section.removeAttribute('aria-busy');
    }
  }

  function backupRow(backup) {
    const tr = row([
      el('code', { text: backup.name }),
      timeElement(backup.time),
      `${backup.mode}${backup.compressed ? ', gzip' : ''}`,
      formatBytes(backup.bytes),
      button('Download', (event) => download(backup.name, event.currentTarget), { label: `Download ${backup.name}`, className: 'secondary' }),
    ]);
    tr.setAttribute('data-backup', backup.name);
    return tr;
  }

  async function download(name, trigger) {
    clear(section);
    await busy(section, [trigger], async () => {
      const res = await ml.request('GET', `/api/admin/backups/${encodeURIComponent(name)}`);
      const url = URL.createObjectURL(await res.blob());
      const link = el('a', { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      // The download has its own copy once started; the URL is released a little later.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      sayInSection(section, `Downloading ${name}.`);
    });
  }

  /** Polls run `id` until it is done or failed, showing its progress. */
  async function follow(id) {
    following = id;
    nowButton.disabled = true;
    progressLabel.hidden = false;
    progress.removeAttribute('value');
    sayInSection(section, `Backup run ${id} started.`);
    try {
      for (;;) {
        const run = await ml.send('GET', `/api/admin/backups/runs/${encodeURIComponent(id)}`);
        if (run.progress === null) progress.removeAttribute('value');
        else progress.value = run.progress;
        section.setAttribute('data-run-status', run.status);
        if (run.status === 'done') {
          await load();
          sayInSection(section, `Backup written: ${run.file} (${formatBytes(run.bytes)})${run.pruned.length > 0 ? `; pruned ${run.pruned.join(', ')}` : ''}.`);
          break;
        }
        if (run.status === 'failed') {
          report(section, new Error(`The backup failed: ${run.error}`));
          break;
        }
        if (run.total_pages) progress.textContent = `${run.copied_pages} of ${run.total_pages} pages`;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch (err) {
      report(section, err);
    } finally {
      following = null;
      nowButton.disabled = false;
      progressLabel.hidden = true;
      // The disabled button lost the focus; a keyboard user gets it back.
      if (document.activeElement === document.body && !section.hidden) nowButton.focus();
    }
  }

  nowButton.addEventListener('click', async () => {
    clear(section);
    section.removeAttribute('data-run-status');
    nowButton.disabled = true;
    try {
      const run = await ml.send('POST', '/api/admin/backups');
      await follow(run.id);
    } catch (err) {
      report(section, err);
      nowButton.disabled = following !== null;
    }
  });

  return {
    show() {
      clear(section);
      load();
    },
    hide() {},
  };
}
