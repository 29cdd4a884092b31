// lokaal staff dashboard. Everything is built with DOM APIs: the page's CSP
// forbids inline script and style.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

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

function dayRange() {
  const [y, m, d] = $('day').value.split('-').map(Number);
  return { from: new Date(y, m - 1, d).getTime(), to: new Date(y, m - 1, d + 1).getTime() };
}

function countsURL(format) {
  const { from, to } = dayRange();
  const q = new URLSearchParams({ from, to, bucket: '15m', format });
  if ($('room').value) q.set('room', $('room').value);
  return `/api/v1/counts?${q}`;
}

async function refresh() {
  try {
    const { rooms } = await (await api('/api/v1/rooms')).json();
    const current = $('room').value;
    $('room').replaceChildren(el('option', { value: '' }, 'All rooms'), ...rooms.map((r) => el('option', { value: r }, r)));
    $('room').value = rooms.includes(current) ? current : '';
    await Promise.all([showCounts(), showKiosks(), showExams(), showUsers()]);
    await showReviewers();
    status('');
  } catch (e) {
    status(e.message, true);
  }
}

async function showCounts() {
  const data = await (await api(countsURL('json'))).json();
  const byRoom = new Map();
  for (const o of data.occupancy) {
    if (!byRoom.has(o.room)) byRoom.set(o.room, []);
    byRoom.get(o.room).push(o);
  }
  const charts = [];
  for (const [room, rows] of byRoom) {
    const total = rows.reduce((s, r) => ({ in: s.in + r.in, out: s.out + r.out }), { in: 0, out: 0 });
    const last = rows.filter((r) => new Date(r.start) <= Date.now()).at(-1) ?? rows.at(-1);
    charts.push(el('h3', {}, `${room}: ${total.in} in, ${total.out} out, ${last?.occupancy ?? 0} inside at ${new Date(last?.end ?? Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`));
    charts.push(chart(rows));
  }
  if (charts.length === 0) charts.push(el('p', { class: 'hint' }, 'No rooms yet: create a kiosk below.'));
  charts.push(el('p', { class: 'legend' }, el('span', { class: 'in' }, '▮ in per 15 min'), el('span', { class: 'out' }, '▮ out per 15 min'), el('span', { class: 'occupancy' }, '— occupancy')));
  $('charts').replaceChildren(...charts);
}

// chart draws in (up) and out (down) bars per bucket and the occupancy line.
function chart(rows) {
  const W = 960, H = 220, pad = 28, mid = H / 2;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.in, r.out, Math.abs(r.occupancy))));
  const bw = (W - pad) / rows.length;
  const scale = (v) => (v / max) * (mid - 12);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': 'in, out and occupancy over the day' });
  s.append(svg('line', { x1: pad, y1: mid, x2: W, y2: mid, class: 'axis' }));
  const maxLabel = svg('text', { x: 2, y: 12, class: 'label' });
  maxLabel.textContent = String(max);
  s.append(maxLabel);
  const points = [];
  rows.forEach((r, i) => {
    const x = pad + i * bw;
    if (r.in) s.append(svg('rect', { x: x + 0.5, y: mid - scale(r.in), width: Math.max(bw - 1, 1), height: scale(r.in), class: 'in' }));
    if (r.out) s.append(svg('rect', { x: x + 0.5, y: mid, width: Math.max(bw - 1, 1), height: scale(r.out), class: 'out' }));
    // The occupancy line stops at the current time rather than run flat into the future.
    if (new Date(r.start) <= Date.now()) points.push(`${(x + bw / 2).toFixed(1)},${(mid - scale(r.occupancy)).toFixed(1)}`);
    const start = new Date(r.start);
    if (start.getMinutes() === 0 && start.getHours() % 3 === 0) {
      const t = svg('text', { x, y: H - 2, class: 'label' });
      t.textContent = `${String(start.getHours()).padStart(2, '0')}:00`;
      s.append(t);
    }
  });
  s.append(svg('polyline', { points: points.join(' '), class: 'occupancy' }));
  return s;
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
    const kioskCell = el('td', {}, el('strong', {}, k.name), el('br'), `${k.room} · every ${k.interval_s} s · lines ${k.lines.map((l) => l.name).join(', ')}`, el('br'), button);
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

function addLine(name = '', a = [0, 0.8], b = [1, 0.8]) {
  const num = (v) => el('input', { type: 'number', min: 0, max: 1, step: 0.01, value: v, required: '' });
  const mode = el('select', {}, el('option', { value: 'immediate' }, 'immediate'), el('option', { value: 'deferred' }, 'deferred (U-turns cancel)'));
  const remove = el('button', { type: 'button' }, 'Remove');
  const tr = el('tr', {},
    el('td', {}, el('input', { type: 'text', value: name, required: '', pattern: '[a-z0-9][a-z0-9_\\-]{0,31}', title: 'a-z, 0-9, _ and -' })),
    el('td', {}, num(a[0])), el('td', {}, num(a[1])), el('td', {}, num(b[0])), el('td', {}, num(b[1])), el('td', {}, mode), el('td', {}, remove));
  remove.addEventListener('click', () => tr.remove());
  $('lines').append(tr);
}

async function createKiosk(ev) {
  ev.preventDefault();
  const lines = [...$('lines').rows].map((tr) => {
    const [name, ax, ay, bx, by] = [...tr.querySelectorAll('input')].map((i) => i.value);
    return { name, a: [Number(ax), Number(ay)], b: [Number(bx), Number(by)], mode: tr.querySelector('select').value };
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

// download fetches an export and saves it through a blob URL, so a failed
// export shows its error on this page instead of navigating away.
async function download(format) {
  try {
    const blob = await (await api(countsURL(format))).blob();
    const a = el('a', { href: URL.createObjectURL(blob), download: `lokaal-${$('day').value}${$('room').value ? '-' + $('room').value : ''}.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
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
    await showReviewers();
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
    await showReviewers();
  } catch (e) {
    status(e.message, true);
  }
}

// ---- Reviewer tokens and assignments ----

function tokenState(r) {
  if (r.revoked) return `revoked ${new Date(r.revoked).toLocaleString()}`;
  if (new Date(r.expires) <= new Date()) return `expired ${new Date(r.expires).toLocaleDateString()}`;
  return `valid until ${new Date(r.expires).toLocaleDateString()}`;
}

// showReviewers lists the tokens, then for each exam who may review it:
// live tokens and enabled reviewer accounts, as checkboxes.
async function showReviewers() {
  const [{ reviewers }, { users }, examData] = await Promise.all([
    (await api('/api/v1/reviewers')).json(), (await api('/api/v1/users')).json(), (await api('/api/v1/exams')).json()]);
  $('reviewer-list').replaceChildren(reviewers.length ? el('table', { id: 'reviewers-table' },
    el('thead', {}, el('tr', {}, ...['Name', 'Id', 'Created', 'State', 'Exams', ''].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...reviewers.map((r) => {
      const revoke = el('button', { type: 'button', 'data-reviewer': r.id }, 'Revoke');
      revoke.hidden = Boolean(r.revoked);
      revoke.addEventListener('click', () => revokeReviewer(r));
      return el('tr', { 'data-name': r.name },
        el('td', {}, r.name), el('td', { class: 'mono' }, r.id), el('td', {}, new Date(r.created).toLocaleDateString()),
        el('td', {}, tokenState(r)), el('td', {}, String(r.exams.length)), el('td', {}, revoke));
    }))) : el('p', { class: 'hint' }, 'No reviewer tokens yet.'));

  const who = [
    ...users.filter((u) => u.role === 'reviewer' && !u.disabled).map((u) => ({ id: u.id, label: `${u.name} (account)` })),
    ...reviewers.filter((r) => !r.revoked && new Date(r.expires) > new Date()).map((r) => ({ id: r.id, label: `${r.name} (token)` })),
  ];
  const exams = Array.isArray(examData) ? examData : [];
  if (exams.length === 0 || who.length === 0) {
    $('assignments').replaceChildren(el('p', { class: 'hint' }, exams.length ? 'No reviewers yet.' : 'No exams yet.'));
    return;
  }
  const rows = await Promise.all(exams.map(async (e) => {
    const { reviewers: assigned } = await (await api(`/api/v1/exams/${encodeURIComponent(e.id)}/reviewers`)).json();
    const boxes = who.map((w) => {
      const box = el('input', { type: 'checkbox', value: w.id });
      box.checked = assigned.includes(w.id);
      return el('label', {}, box, ' ', w.label);
    });
    const save = el('button', { type: 'button' }, 'Save');
    save.addEventListener('click', async () => {
      // Assigned ids this page does not show (revoked tokens, disabled
      // accounts) stay assigned: only an admin's tick changes them.
      const shown = new Set(who.map((w) => w.id));
      const ids = [...assigned.filter((id) => !shown.has(id)),
        ...boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value)];
      try {
        await api(`/api/v1/exams/${encodeURIComponent(e.id)}/reviewers`, { method: 'PUT', body: JSON.stringify({ reviewers: ids }) });
        status(`Reviewers of ${e.name} saved.`);
        await showReviewers();
      } catch (err) {
        status(err.message, true);
      }
    });
    return el('tr', { 'data-exam': e.id }, el('td', {}, e.name), el('td', {}, ...boxes, save));
  }));
  $('assignments').replaceChildren(el('table', { id: 'assignments-table' }, el('tbody', {}, ...rows)));
}

async function createReviewer(ev) {
  ev.preventDefault();
  try {
    const body = { name: $('r-name').value.trim(), valid_days: Number($('r-days').value) };
    const { reviewer, token } = await (await api('/api/v1/reviewers', { method: 'POST', body: JSON.stringify(body) })).json();
    $('r-name').value = '';
    $('r-token').textContent = `Token for ${reviewer.name}, shown only now: ${token}`;
    $('r-token').hidden = false;
    status(`Token for ${reviewer.name} made; assign it to exams below.`);
    await showReviewers();
  } catch (e) {
    status(e.message, true);
  }
}

async function revokeReviewer(r) {
  if (!confirm(`Revoke the token of ${r.name}? It stops working at once.`)) return;
  try {
    await api(`/api/v1/reviewers/${encodeURIComponent(r.id)}`, { method: 'DELETE' });
    status(`Token of ${r.name} revoked.`);
    await showReviewers();
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
  const today = new Date();
  $('day').value = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  addLine('door');
  $('signout').addEventListener('click', logOut);
  $('range').addEventListener('submit', (ev) => { ev.preventDefault(); refresh(); });
  $('room').addEventListener('change', () => showCounts().catch((e) => status(e.message, true)));
  $('export-csv').addEventListener('click', () => download('csv'));
  $('export-json').addEventListener('click', () => download('json'));
  $('add-line').addEventListener('click', () => addLine(`line${$('lines').rows.length + 1}`));
  $('create').addEventListener('submit', createKiosk);
  detectorRows();
  $('exam-create').addEventListener('submit', createExam);
  $('import').addEventListener('submit', importStudents);
  $('dr-load').addEventListener('click', () => showDeletionRequests().catch((e) => status(e.message, true)));
  $('copy').addEventListener('click', () => navigator.clipboard.writeText($('enrol-link').href).then(() => status('Link copied.')));
  $('user-create').addEventListener('submit', createUser);
  $('reviewer-create').addEventListener('submit', createReviewer);
  $('ret-form').addEventListener('submit', setRetention);
  $('ret-load').addEventListener('click', () => showRetention().catch((e) => status(e.message, true)));
  $('ret-run').addEventListener('click', runRetention);
  signIn().catch((e) => status(e.message, true));
  // Keep the dashboard current while it is open.
  setInterval(() => { if (!$('app').hidden) refresh(); }, 60_000);
}

init();
