// lokaal staff dashboard. Everything is built with DOM APIs: the page's CSP
// forbids inline script and style.
'use strict';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const TOKEN_KEY = 'lokaal-admin-token';

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function status(msg, isError = false) {
  $('status').textContent = msg;
  $('status').className = isError ? 'error' : '';
}

// api calls the JSON API with the admin token; a 401 signs out.
async function api(path, opts = {}) {
  const { type, ...rest } = opts;
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` };
  if (opts.body) headers['Content-Type'] = type || 'application/json';
  const res = await fetch(path, { ...rest, headers });
  if (res.status === 401) {
    signOut();
    throw new Error('The admin token was not accepted.');
  }
  if (!res.ok) {
    const err = await res.json().catch(() => ({ message: res.statusText }));
    throw new Error(err.message || res.statusText);
  }
  return res;
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  $('app').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
}

async function signIn() {
  $('signin').hidden = true;
  $('signout').hidden = false;
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
    await Promise.all([showCounts(), showKiosks(), showExams()]);
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

// download fetches an export with the token and saves it through a blob URL,
// since a plain link cannot carry the Authorization header.
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

function init() {
  const today = new Date();
  $('day').value = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  addLine('door');
  $('signin').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    signIn();
  });
  $('signout').addEventListener('click', signOut);
  $('range').addEventListener('submit', (ev) => { ev.preventDefault(); refresh(); });
  $('room').addEventListener('change', () => showCounts().catch((e) => status(e.message, true)));
  $('export-csv').addEventListener('click', () => download('csv'));
  $('export-json').addEventListener('click', () => download('json'));
  $('add-line').addEventListener('click', () => addLine(`line${$('lines').rows.length + 1}`));
  $('create').addEventListener('submit', createKiosk);
  detectorRows();
  $('exam-create').addEventListener('submit', createExam);
  $('import').addEventListener('submit', importStudents);
  $('copy').addEventListener('click', () => navigator.clipboard.writeText($('enrol-link').href).then(() => status('Link copied.')));
  if (sessionStorage.getItem(TOKEN_KEY)) signIn();
  // Keep the dashboard current while it is open.
  setInterval(() => { if (!$('app').hidden) refresh(); }, 60_000);
}

init();
