// The jobs view: the queue by status and type with paging (GET /api/admin/jobs, newest first), and one job in a panel
// with its payload as the API shows it (secrets masked) — retry a failed, dead or done job, delete one that is not
// running (after a confirmation).
import { ml } from '../js/ui.js';
import { confirmAction } from './confirm.js';
import { Pager, busy, button, clear, el, fillFacts, messageRow, report, row, sayInSection } from './elements.js';
import { timeElement } from './format.js';

const PAGE = 20;
const COLUMNS = 7;
const RETRYABLE = new Set(['failed', 'dead', 'done']);

/** The first line of an error, cut for a table cell (the panel shows it whole). */
function firstLine(text, max = 80) {
  if (!text) return null;
  const line = text.split('\n', 1)[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function statusBadge(status) {
  return el('span', { className: `badge status-${status}`, text: status });
}

/** The jobs view of `section` (#view-jobs). */
export function createJobsView(section) {
  const form = section.querySelector('#jobs-filter');
  const tbody = section.querySelector('#jobs-table tbody');
  const detail = section.querySelector('#job-detail');
  const heading = detail.querySelector('#job-detail-title');
  const facts = detail.querySelector('#job-facts');
  const payload = detail.querySelector('#job-payload');
  const retryButton = detail.querySelector('#job-retry');
  const deleteButton = detail.querySelector('#job-delete');
  const pager = new Pager(section.querySelector('.pager'), PAGE, (offset) => load(offset));
  let filter = { status: '', type: '' };
  let offset = 0;
  let shown = null;
  let generation = 0;

  async function load(at = offset) {
    const mine = ++generation;
    clear(section);
    section.setAttribute('aria-busy', 'true');
    try {
      const query = { limit: PAGE, offset: at };
      if (filter.status !== '') query.status = filter.status;
      if (filter.type !== '') query.type = filter.type;
      const answer = await ml.send('GET', '/api/admin/jobs', { query });
      if (mine !== generation) return;
      offset = at;
      tbody.replaceChildren(...(answer.jobs.length === 0 ? [messageRow(COLUMNS, 'No job matches.')] : answer.jobs.map(jobRow)));
      pager.update('Jobs', offset, answer.jobs.length, answer.total);
    } catch (err) {
      if (mine === generation) report(section, err);
    } finally {
      if (mine === generation) section.removeAttribute('aria-busy');
    }
  }

  function jobRow(job) {
    const show = button('Show', () => open(job.id), { label: `Show job ${job.id}`, className: 'secondary' });
    show.setAttribute('data-job-id', String(job.id));
    const tr = row([
      String(job.id), job.type, statusBadge(job.status), `${job.attempts}/${job.max_attempts}`, timeElement(job.run_at),
      firstLine(job.last_error), show,
    ]);
    tr.setAttribute('data-status', job.status);
    return tr;
  }

  async function open(id) {
    clear(detail);
    try {
      render(await ml.send('GET', `/api/admin/jobs/${id}`));
      heading.focus();
    } catch (err) {
      report(section, err);
    }
  }

  function render(job) {
    shown = job;
    detail.hidden = false;
    heading.textContent = `Job ${job.id}: ${job.type}`;
    fillFacts(facts, [
      ['Status', statusBadge(job.status)],
      ['Attempts', `${job.attempts} of ${job.max_attempts}`],
      ['Run at', timeElement(job.run_at)],
      ['Lease until', job.locked_until ? timeElement(job.locked_until) : null],
      ['Recurs every', job.recurrence_ms ? `${job.recurrence_ms / 1000} s` : null],
      ['Dedup key', job.dedup_key],
      ['Created', timeElement(job.created_at)],
      ['Updated', timeElement(job.updated_at)],
      ['Finished', job.finished_at ? timeElement(job.finished_at) : null],
      ['Last error', job.last_error ? el('pre', { className: 'code-block', text: job.last_error }) : null],
    ]);
    payload.textContent = typeof job.payload === 'string' ? job.payload : JSON.stringify(job.payload, null, 2);
    retryButton.hidden = !RETRYABLE.has(job.status);
    deleteButton.hidden = job.status === 'running';
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = new FormData(form);
    filter = { status: String(values.get('status') ?? ''), type: String(values.get('type') ?? '').trim() };
    load(0);
  });

  retryButton.addEventListener('click', () => {
    const job = shown;
    clear(detail);
    busy(detail, [...detail.querySelectorAll('button')], async () => {
      render(await ml.send('POST', `/api/admin/jobs/${job.id}/retry`));
      sayInSection(detail, `Job ${job.id} is pending again, due now, with its attempts reset.`);
      heading.focus();
      load();
    });
  });

  deleteButton.addEventListener('click', async () => {
    const job = shown;
    clear(detail);
    const sure = await confirmAction({
      title: 'Delete this job?',
      message: `Job ${job.id} (${job.type}, ${job.status}) is deleted for good and will not run again.`,
      confirmLabel: 'Delete job',
    });
    if (!sure) return;
    busy(detail, [...detail.querySelectorAll('button')], async () => {
      await ml.send('DELETE', `/api/admin/jobs/${job.id}`);
      shown = null;
      detail.hidden = true;
      await load();
      sayInSection(section, `Deleted job ${job.id}.`);
      section.querySelector('h2').focus();
    });
  });

  detail.querySelector('#job-close').addEventListener('click', () => {
    const id = shown?.id;
    shown = null;
    detail.hidden = true;
    (tbody.querySelector(`button[data-job-id="${id}"]`) ?? section.querySelector('h2')).focus();
  });

  return {
    show() {
      load();
    },
    hide() {},
  };
}
