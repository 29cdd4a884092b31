// Deletion requests: the ones the server did not grant at once wait here
// for a decision with a reason. Listing them is logged as a view of each
// student's data, so they are loaded on request, not on arrival.
import { addTexts, dateTime, t } from './i18n.js';
import { el } from './dom.js';
import { act, api, json, listTable, result, show } from './ui.js';

addTexts({
  en: {
    'nav.deletions': 'Deletion requests',
    'del.hint': 'Students ask through their link. A request is granted automatically when no mark is active and the exam window has closed; the others wait here. Granting deletes all of that student\'s data at once; refusing keeps it. Either needs a reason, which is logged and shown to the student. Listing the requests is logged as a view of each student\'s data.',
    'del.show': 'Show',
    'del.pending': 'pending',
    'del.all': 'all',
    'del.load': 'Show requests',
    'del.none': 'No requests.',
    'del.col.requested': 'Requested',
    'del.col.student': 'Student',
    'del.col.exam': 'Exam',
    'del.col.marks': 'Active marks',
    'del.col.window': 'Window',
    'del.col.reason': 'Student\'s reason',
    'del.col.decision': 'Decision',
    'del.deleted': 'deleted',
    'del.closed': 'closed',
    'del.open': 'open',
    'del.decided': '{status} by {by}: {why}',
    'status.granted': 'granted',
    'status.refused': 'refused',
    'status.pending': 'pending',
    'del.reason': 'Reason (required)',
    'del.grant': 'Grant and delete',
    'del.refuse': 'Refuse',
    'del.needReason': 'A decision needs a reason.',
    'del.confirm': 'Delete all data of this student now? This cannot be undone.',
    'del.granted': 'Granted: the student\'s data is deleted.',
    'del.refusedNow': 'Refused: the data is kept.',
    'del.loaded': '{n} requests shown.',
  },
  nl: {
    'nav.deletions': 'Verwijderverzoeken',
    'del.hint': 'Studenten vragen het via hun link. Een verzoek wordt automatisch toegekend als er geen markering actief is en het tentamenvenster gesloten is; de andere wachten hier. Toekennen verwijdert meteen alle gegevens van die student; afwijzen bewaart ze. Beide vragen een reden, die wordt vastgelegd en aan de student getoond. Het tonen van de verzoeken wordt vastgelegd als inzage in de gegevens van elke student.',
    'del.show': 'Tonen',
    'del.pending': 'in behandeling',
    'del.all': 'alle',
    'del.load': 'Verzoeken tonen',
    'del.none': 'Geen verzoeken.',
    'del.col.requested': 'Gevraagd',
    'del.col.student': 'Student',
    'del.col.exam': 'Tentamen',
    'del.col.marks': 'Actieve markeringen',
    'del.col.window': 'Venster',
    'del.col.reason': 'Reden van de student',
    'del.col.decision': 'Besluit',
    'del.deleted': 'verwijderd',
    'del.closed': 'gesloten',
    'del.open': 'open',
    'del.decided': '{status} door {by}: {why}',
    'status.granted': 'toegekend',
    'status.refused': 'afgewezen',
    'status.pending': 'in behandeling',
    'del.reason': 'Reden (verplicht)',
    'del.grant': 'Toekennen en verwijderen',
    'del.refuse': 'Afwijzen',
    'del.needReason': 'Een besluit heeft een reden nodig.',
    'del.confirm': 'Nu alle gegevens van deze student verwijderen? Dit kan niet ongedaan worden gemaakt.',
    'del.granted': 'Toegekend: de gegevens van de student zijn verwijderd.',
    'del.refusedNow': 'Afgewezen: de gegevens blijven bewaard.',
    'del.loaded': '{n} verzoeken getoond.',
  },
});

const ui = {};

async function showRequests() {
  const { requests } = await json(`/api/v1/deletion-requests?status=${encodeURIComponent(ui.status.value)}`);
  ui.list.replaceChildren(requests.length
    ? listTable('dr-table', 'del', ['requested', 'student', 'exam', 'marks', 'window', 'reason', 'decision'], requests.map(row))
    : el('p', { class: 'hint', t: 'del.none' }));
  show(ui.out, 'del.loaded', { n: requests.length });
}

function row({ request: d, student, exam_name: exam, active_marks: marks, window_closed: closed }) {
  const tr = el('tr', { 'data-request': d.id },
    el('td', {}, dateTime(d.requested)),
    student ? el('td', {}, `${student.student_id} (${student.email})`) : el('td', { t: 'del.deleted' }),
    el('td', {}, exam || '–'), el('td', {}, String(marks)), student ? el('td', { t: closed ? 'del.closed' : 'del.open' }) : el('td', {}, '–'),
    el('td', {}, d.reason || '–'));
  if (d.status !== 'pending') {
    tr.append(el('td', { t: 'del.decided', tv: { status: t(`status.${d.status}`), by: d.decided_by, why: d.decision } }));
    return tr;
  }
  const reason = el('input', { required: true, maxlength: 2000, 't-placeholder': 'del.reason', 't-aria-label': 'del.reason' });
  const out = result();
  const decide = (grant) => async () => {
    if (!reason.value.trim()) {
      reason.setAttribute('aria-invalid', 'true');
      show(out, 'del.needReason', null, true);
      reason.focus();
      return;
    }
    reason.removeAttribute('aria-invalid');
    if (grant && !window.confirm(t('del.confirm'))) return;
    await act(out, async () => {
      await api(`/api/v1/deletion-requests/${encodeURIComponent(d.id)}/decision`, { method: 'POST', body: JSON.stringify({ grant, reason: reason.value.trim() }) });
      // The decision replaces the buttons in this row; the list is not
      // reloaded (that would log another view of every student).
      tr.lastElementChild.replaceChildren(el('span', { class: 'result ok', t: grant ? 'del.granted' : 'del.refusedNow' }));
    });
  };
  const grant = el('button', { type: 'button', class: 'danger', t: 'del.grant' });
  const refuse = el('button', { type: 'button', t: 'del.refuse' });
  grant.addEventListener('click', decide(true));
  refuse.addEventListener('click', decide(false));
  tr.append(el('td', { class: 'decide' }, reason, ' ', grant, ' ', refuse, out));
  return tr;
}

export default {
  id: 'deletions',
  title: 'nav.deletions',
  mount(root) {
    ui.status = el('select', { id: 'dr-status' }, el('option', { value: 'pending', t: 'del.pending' }), el('option', { value: 'all', t: 'del.all' }));
    ui.list = el('div', { id: 'dr-list' });
    ui.out = result('dr-result');
    const load = el('button', { id: 'dr-load', type: 'button', class: 'primary', t: 'del.load' });
    load.addEventListener('click', () => showRequests().catch((e) => show(ui.out, e)));
    root.append(el('div', { class: 'card', id: 'deletion-requests' },
      el('p', { class: 'hint', t: 'del.hint' }),
      el('div', { class: 'row' }, el('label', { class: 'field' }, el('span', { t: 'del.show' }), ui.status), load, ui.out),
      ui.list));
  },
};
