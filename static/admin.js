// lokaal staff dashboard. Everything is built with DOM APIs: the page's CSP
// forbids inline script and style.
'use strict';

// signIn asks who is logged in: an admin gets the dashboard, anyone else
// the login page (or, for a reviewer, a pointer to the review page).
async function signIn() {
  const me = await whoAmI();
  if (me.role !== 'admin') {
    status('The dashboard is for admins; the review page is at /review.', true);
    return;
  }
  $('app').hidden = false;
  await refresh();
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

async function showKiosks() {
  const { kiosks } = await (await api('/api/v1/kiosks')).json();
  if (kiosks.length === 0) {
    $('kiosks').replaceChildren(el('p', { class: 'hint' }, 'No kiosks yet.'));
    return;
  }
  const rows = [];
  for (const k of kiosks) {
    const button = el('button', { type: 'button' }, 'New enrolment link');
    button.addEventListener('click', () => newCode(k.id));
    const side = { left: 'room left', right: 'room right', none: 'pass-through' };
    const kioskCell = el('td', {}, el('strong', {}, k.name), el('br'), `${k.room} · every ${k.interval_s} s · lines ${k.lines.map((l) => `${l.name} (${side[l.inside] || l.inside})`).join(', ')}`, el('br'), button);
    const devices = k.devices.length ? k.devices : [null];
    devices.forEach((d, i) => {
      const tr = el('tr');
      if (i === 0) { kioskCell.rowSpan = devices.length; tr.append(kioskCell); }
      if (!d) {
        tr.append(el('td', { colspan: 4, class: 'hint' }, 'No device enrolled yet.'));
      } else {
        const gaps = d.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`)).join(', ');
        tr.append(el('td', { class: 'mono' }, d.id), el('td', {}, when(d.last_seen)), el('td', {}, String(d.last_seq)),
          el('td', { class: gaps ? 'warn' : '' }, gaps || 'none'));
      }
      rows.push(tr);
    });
  }
  $('kiosks').replaceChildren(el('table', {},
    el('thead', {}, el('tr', {}, ...['Kiosk', 'Device', 'Last seen', 'Last seq', 'Missing seqs'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows)));
}

function showEnrolment(resp) {
  const url = new URL(resp.enrol_url, location.origin).href;
  $('enrol-link').href = url;
  $('enrol-link').textContent = url;
  $('enrolment').hidden = false;
  status(`Enrolment link for ${resp.kiosk.name} is valid until ${when(resp.expires)}.`);
}

async function newCode(id) {
  try {
    const resp = await (await api(`/api/v1/kiosks/${encodeURIComponent(id)}/enrolment-code`, { method: 'POST' })).json();
    showEnrolment(resp);
    $('enrolment').scrollIntoView();
  } catch (e) {
    status(e.message, true);
  }
}

// addLine adds a row to the line editor. Coordinates take any precision
// (0.725): the server checks the range.
function addLine(name = '', a = [0, 0.8], b = [1, 0.8]) {
  const num = (v) => el('input', { type: 'number', min: 0, max: 1, step: 'any', value: v, required: '' });
  const mode = el('select', {}, el('option', { value: 'immediate' }, 'immediate'), el('option', { value: 'deferred' }, 'deferred (U-turns cancel)'));
  const inside = el('select', { 'aria-label': 'room side' }, el('option', { value: 'left' }, 'left of A→B (in enters)'),
    el('option', { value: 'right' }, 'right of A→B (out enters)'), el('option', { value: 'none' }, 'pass-through'));
  const remove = el('button', { type: 'button' }, 'Remove');
  const tr = el('tr', {},
    el('td', {}, el('input', { type: 'text', value: name, required: '', pattern: '[a-z0-9][a-z0-9_\\-]{0,31}', title: 'a-z, 0-9, _ and -' })),
    el('td', {}, num(a[0])), el('td', {}, num(a[1])), el('td', {}, num(b[0])), el('td', {}, num(b[1])), el('td', {}, mode), el('td', {}, inside), el('td', {}, remove));
  remove.addEventListener('click', () => tr.remove());
  $('lines').append(tr);
}

async function createKiosk(ev) {
  ev.preventDefault();
  const lines = [...$('lines').rows].map((tr) => {
    const [name, ax, ay, bx, by] = [...tr.querySelectorAll('input')].map((i) => i.value);
    const [mode, inside] = [...tr.querySelectorAll('select')].map((s) => s.value);
    return { name, a: [Number(ax), Number(ay)], b: [Number(bx), Number(by)], mode, inside };
  });
  const body = { name: $('k-name').value.trim(), room: $('k-room').value.trim(), interval_s: Number($('k-interval').value), lines };
  try {
    const resp = await (await api('/api/v1/kiosks', { method: 'POST', body: JSON.stringify(body) })).json();
    showEnrolment(resp);
    await refresh();
  } catch (e) {
    status(e.message, true);
  }
}

// ---- Proctored exams ----

// The detector catalogue (wasm/wire): default thresholds, 0 for instant kinds.
const CATALOGUE = [
  ['face_absent', 10, 'no face for the threshold'],
  ['multiple_faces', 3, 'two or more faces for the threshold'],
  ['looking_away', 10, 'face turned away for the threshold'],
  ['speech', 5, 'speech for the threshold (asks for the microphone)'],
  ['focus_lost', 0, 'tab hidden or window blurred'],
  ['fullscreen_exit', 0, 'left full screen'],
  ['paste', 0, 'a count of pastes; the content is never read'],
  ['extra_screen', 0, 'a second screen is connected'],
];

function detectorRows() {
  $('e-detectors').replaceChildren(el('thead', {}, el('tr', {}, el('th', {}, 'On'), el('th', {}, 'Detector'), el('th', {}, 'Threshold'))),
    el('tbody', {}, ...CATALOGUE.map(([kind, def, what]) => el('tr', {},
      el('td', {}, el('input', { type: 'checkbox', 'data-kind': kind, id: `d-${kind}` })),
      el('td', {}, el('label', { for: `d-${kind}` }, el('strong', {}, kind), el('span', { class: 'hint' }, what))),
      el('td', {}, def ? el('span', {}, el('input', { type: 'number', min: 1, max: 120, step: 'any', value: def, 'data-threshold': kind }), ' s') : '–')))));
}

function accommodations(student) {
  const boxes = CATALOGUE.map(([kind]) => el('label', { class: 'inline' },
    el('input', { type: 'checkbox', value: kind, ...(student.accommodations?.includes(kind) ? { checked: '' } : {}) }), kind));
  const save = el('button', { type: 'button' }, 'Save accommodations');
  save.addEventListener('click', async () => {
    const off = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    try {
      await api(`/api/v1/students/${encodeURIComponent(student.id)}/accommodations`, { method: 'PUT', body: JSON.stringify({ off }) });
      status(`Accommodations saved for ${student.student_id}: ${off.join(', ') || 'none'} off.`);
    } catch (e) {
      status(e.message, true);
    }
  });
  return el('div', { class: 'accommodations' }, ...boxes, save);
}

async function showExams() {
  const data = await (await api('/api/v1/exams')).json();
  const exams = Array.isArray(data) ? data : data.exams || [];
  const current = $('i-exam').value;
  $('i-exam').replaceChildren(...exams.map((e) => el('option', { value: e.id }, `${e.name} (${e.course})`)));
  if (exams.some((e) => e.id === current)) $('i-exam').value = current;
  if (exams.length === 0) {
    $('exams').replaceChildren(el('p', { class: 'hint' }, 'No exams yet.'));
    return;
  }
  $('exams').replaceChildren(el('table', {},
    el('thead', {}, el('tr', {}, ...['Exam', 'Window', 'Announced', 'Detectors', 'Crisis exception'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...exams.map((e) => el('tr', { 'data-exam': e.id },
      el('td', {}, el('strong', {}, e.name), el('br'), e.course, el('br'), el('span', { class: 'mono hint' }, e.id)),
      el('td', {}, `${when(e.start)} – ${when(e.end)}`),
      el('td', {}, when(e.announced)),
      el('td', {}, (e.detectors || []).map((d) => (d.threshold_s ? `${d.kind} ≥ ${d.threshold_s} s` : d.kind)).join(', ') || 'none'),
      el('td', {}, e.crisis || '–'))))));
}

async function createExam(ev) {
  ev.preventDefault();
  const [y, m, d] = $('e-announced').value.split('-').map(Number);
  const detectors = CATALOGUE.filter(([kind]) => $(`d-${kind}`).checked).map(([kind, def]) => ({
    kind, threshold_s: def ? Number(document.querySelector(`[data-threshold="${kind}"]`).value) : 0,
  }));
  const body = {
    name: $('e-name').value.trim(),
    course: $('e-course').value.trim(),
    start: new Date($('e-start').value).toISOString(),
    end: new Date($('e-end').value).toISOString(),
    announced: new Date(y, m - 1, d).toISOString(),
    legal_basis: $('e-legal').value.trim(),
    alternatives_considered: $('e-considered').value.trim(),
    alternative_exam: $('e-alternative').value.trim(),
    url: $('e-url').value.trim(),
    detectors,
    interval_s: Number($('e-interval').value),
    crisis: $('e-crisis').value.trim(),
  };
  try {
    const exam = await (await api('/api/v1/exams', { method: 'POST', body: JSON.stringify(body) })).json();
    status(`Exam ${exam.name} created.`);
    await showExams();
    $('i-exam').value = exam.id;
    $('import').scrollIntoView();
  } catch (e) {
    status(e.message, true);
  }
}

async function importStudents(ev) {
  ev.preventDefault();
  try {
    const res = await api(`/api/v1/exams/${encodeURIComponent($('i-exam').value)}/students`, { method: 'POST', type: 'text/csv', body: $('i-csv').value });
    const { students } = await res.json();
    $('links').replaceChildren(el('table', { id: 'student-links' },
      el('thead', {}, el('tr', {}, ...['Student', 'Access link', 'Accommodations (switched off)'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...students.map((s) => {
        const url = new URL(s.link, location.origin).href;
        return el('tr', { 'data-student': s.student_id },
          el('td', {}, s.student_id, el('br'), el('span', { class: 'hint' }, s.email)),
          el('td', {}, el('a', { href: url, class: 'mono' }, url)),
          el('td', {}, accommodations(s)));
      }))));
    $('i-csv').value = '';
    status(`${students.length} students imported. Their links are shown below, once.`);
  } catch (e) {
    status(e.message, true);
  }
}

// ---- Deletion requests: loaded on demand, since listing them is logged ----

async function showDeletionRequests() {
  const { requests } = await (await api(`/api/v1/deletion-requests?status=${encodeURIComponent($('dr-status').value)}`)).json();
  $('dr-list').replaceChildren(requests.length ? el('table', { id: 'dr-table' },
    el('thead', {}, el('tr', {}, ...['Requested', 'Student', 'Exam', 'Active marks', 'Window', 'Student\'s reason', 'Decision'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...requests.map(deletionRow))) : el('p', { class: 'hint' }, 'No requests.'));
}

function deletionRow({ request: d, student, exam_name: exam, active_marks: marks, window_closed: closed }) {
  const tr = el('tr', { 'data-request': d.id },
    el('td', {}, new Date(d.requested).toLocaleString()),
    el('td', {}, student ? `${student.student_id} (${student.email})` : 'deleted'),
    el('td', {}, exam || '–'), el('td', {}, String(marks)), el('td', {}, student ? (closed ? 'closed' : 'open') : '–'),
    el('td', {}, d.reason || '–'));
  if (d.status !== 'pending') {
    tr.append(el('td', {}, `${d.status} by ${d.decided_by}: ${d.decision}`));
    return tr;
  }
  const reason = el('input', { required: '', maxlength: '2000', placeholder: 'Reason (required)', 'aria-label': 'Reason' });
  const decide = (grant) => async () => {
    if (!reason.value.trim()) {
      status('A decision needs a reason.', true);
      return;
    }
    if (grant && !window.confirm('Delete all data of this student now? This cannot be undone.')) return;
    try {
      await api(`/api/v1/deletion-requests/${encodeURIComponent(d.id)}/decision`, { method: 'POST', body: JSON.stringify({ grant, reason: reason.value.trim() }) });
      status(grant ? 'Granted: the student\'s data is deleted.' : 'Refused: the data is kept.');
      await showDeletionRequests();
    } catch (e) {
      status(e.message, true);
    }
  };
  const grant = el('button', { type: 'button' }, 'Grant and delete');
  const refuse = el('button', { type: 'button' }, 'Refuse');
  grant.addEventListener('click', decide(true));
  refuse.addEventListener('click', decide(false));
  tr.append(el('td', {}, reason, ' ', grant, ' ', refuse));
  return tr;
}

// ---- Staff accounts ----

async function showUsers() {
  const { users } = await (await api('/api/v1/users')).json();
  $('user-list').replaceChildren(el('table', { id: 'users-table' },
    el('thead', {}, el('tr', {}, ...['Name', 'Role', 'Login', 'Created', 'Status', ''].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...users.map((u) => {
      const off = el('button', { type: 'button', 'data-user': u.id }, 'Disable');
      off.hidden = Boolean(u.disabled);
      off.addEventListener('click', () => disableUser(u));
      return el('tr', { 'data-name': u.name },
        el('td', {}, u.name), el('td', {}, u.role), el('td', {}, u.password ? 'password' : 'single sign-on'),
        el('td', {}, new Date(u.created).toLocaleDateString()),
        el('td', {}, u.disabled ? `disabled ${new Date(u.disabled).toLocaleString()}` : 'active'), el('td', {}, off));
    }))));
}

async function createUser(ev) {
  ev.preventDefault();
  try {
    const body = { name: $('u-name').value.trim(), role: $('u-role').value, password: $('u-password').value };
    await api('/api/v1/users', { method: 'POST', body: JSON.stringify(body) });
    $('u-name').value = '';
    $('u-password').value = '';
    status(`Account ${body.name} added.`);
    await showUsers();
  } catch (e) {
    status(e.message, true);
  }
}

async function disableUser(u) {
  if (!confirm(`Disable ${u.name}? They are logged out at once.`)) return;
  try {
    await api(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: 'DELETE' });
    status(`${u.name} disabled.`);
    await showUsers();
  } catch (e) {
    status(e.message, true);
  }
}

// Retention: the policy in force and the latest runs, counts only.
const RETENTION_FIELDS = { session_days: 'ret-session', marked_months: 'ret-marked', count_days: 'ret-count', access_log_years: 'ret-access', review_days: 'ret-review' };

async function showRetention() {
  const st = await (await api('/api/v1/retention')).json();
  for (const [k, id] of Object.entries(RETENTION_FIELDS)) $(id).value = st.policy[k];
  const cols = ['sessions', 'students', 'summaries', 'count_batches', 'hourly_rows', 'access_entries'];
  $('ret-records').replaceChildren(st.records.length
    ? el('table', {},
      el('thead', {}, el('tr', {}, ...['When', 'Trigger', ...cols].map((h) => el('th', {}, h.replace('_', ' '))))),
      el('tbody', {}, ...st.records.map((r) => el('tr', {},
        el('td', {}, new Date(r.at).toLocaleString()), el('td', {}, r.trigger), ...cols.map((c) => el('td', {}, String(r.deleted[c])))))))
    : el('p', { class: 'hint' }, 'No runs yet.'));
}

async function setRetention(ev) {
  ev.preventDefault();
  const body = { reason: $('ret-reason').value };
  for (const [k, id] of Object.entries(RETENTION_FIELDS)) body[k] = Number($(id).value);
  try {
    await api('/api/v1/retention', { method: 'PUT', body: JSON.stringify(body) });
    $('ret-reason').value = '';
    status('Retention policy changed; the next run applies it.');
    await showRetention();
  } catch (e) {
    status(e.message, true);
  }
}

async function runRetention() {
  try {
    const r = await (await api('/api/v1/retention/run', { method: 'POST' })).json();
    status(`Retention run: ${r.deleted.sessions} sessions, ${r.deleted.students} students, ${r.deleted.count_batches} count batches, ${r.deleted.access_entries} access-log entries.`);
    await showRetention();
  } catch (e) {
    status(e.message, true);
  }
}

function init() {
  addLine('door');
  $('signout').addEventListener('click', logOut);
  $('add-line').addEventListener('click', () => addLine(`line${$('lines').rows.length + 1}`));
  $('create').addEventListener('submit', createKiosk);
  detectorRows();
  $('exam-create').addEventListener('submit', createExam);
  $('import').addEventListener('submit', importStudents);
  $('dr-load').addEventListener('click', () => showDeletionRequests().catch((e) => status(e.message, true)));
  $('copy').addEventListener('click', () => navigator.clipboard.writeText($('enrol-link').href).then(() => status('Link copied.')));
  $('user-create').addEventListener('submit', createUser);
  $('ret-form').addEventListener('submit', setRetention);
  $('ret-load').addEventListener('click', () => showRetention().catch((e) => status(e.message, true)));
  $('ret-run').addEventListener('click', runRetention);
  signIn().catch((e) => status(e.message, true));
  // Keep the dashboard current while it is open.
  setInterval(() => { if (!$('app').hidden) refresh(); }, 60_000);
}

init();
