// lokaal review: the exam committee's view of proctored sessions. Built with
// DOM APIs only (the CSP forbids inline script and style). There is no score
// and no ranking: sessions come sorted by student number, and each shows
// its counts per kind next to the evidence.
'use strict';

// Display order: the catalogue, then the integrity kinds (wasm/wire).
const KINDS = ['face_absent', 'multiple_faces', 'looking_away', 'speech', 'focus_lost', 'fullscreen_exit', 'paste', 'extra_screen',
  'camera_lost', 'detector_stalled', 'page_reloaded', 'clock_skew'];
const UNRELIABLE = new Set(['face_absent', 'looking_away']);
// NO_FACE is what every session whose pre-check saw no face shows: an honest
// camera in bad light, or a modified client claiming it, look the same.
const NO_FACE = 'face not seen at pre-check: face detectors unreliable';
const facesSeen = (p) => (p && p.frames ? ` (a face in ${p.face_frames} of ${p.frames} pre-check frames)` : ' (no pre-check frames)');
let current = null; // session id in the detail view

// Times are shown on the server's one clock (GET /api/v1/clock), the zone
// its timelines are drawn in, whatever zone this computer is in; the
// page names it. One format: "2 Dec 2026, 15:04".
let zone = 'UTC';
const when = (t) => (t ? new Date(typeof t === 'number' ? t : Date.parse(t)).toLocaleString('en-GB',
  { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }) : '–');
const clock = (ms) => new Date(ms).toLocaleTimeString('en-GB', { timeZone: zone, hourCycle: 'h23' });
const guard = (f) => (...args) => Promise.resolve(f(...args)).catch((e) => status(e.message, true));

async function signOut() {
  document.body.dataset.view = 'signin';
  await logOut();
}

// signIn asks who is logged in (admins may review too) and lists the exams.
async function signIn() {
  await whoAmI();
  const c = await fetch('/api/v1/clock', { cache: 'no-store' });
  if (c.ok) zone = (await c.json()).time_zone;
  $('zone').textContent = `Times are in ${zone}.`;
  $('app').hidden = false;
  document.body.dataset.view = 'exams';
  const data = await (await api('/api/v1/review/exams')).json();
  const exams = Array.isArray(data) ? data : data.exams || [];
  $('exam').replaceChildren(...exams.map((e) => el('option', { value: e.id, 'data-unreliable': String(e.unreliable_sessions || 0) },
    `${e.name} (${e.course}) ${when(e.start)}: ${e.sessions || 0} sessions` +
    (e.unreliable_sessions ? `, ${e.unreliable_sessions} with face not seen at pre-check` : ''))));
  if (exams.length === 0) status('No exams yet.');
  else await showSessions();
}

async function showSessions() {
  const id = $('exam').value;
  if (!id) return;
  const data = await (await api(`/api/v1/review/exams/${encodeURIComponent(id)}/sessions`)).json();
  const rows = Array.isArray(data) ? data : data.students || [];
  const head = el('tr', {}, ...['Student', 'Choice', 'Accommodations (off)', 'Session', 'Build', 'Started', 'Finished', ...KINDS, 'Marks'].map((h) => el('th', {}, h)));
  const body = [];
  for (const { student, sessions, objections } of rows) {
    const list = sessions.length ? sessions : [null];
    list.forEach((s, i) => {
      const tr = el('tr', { 'data-student': student.student_id });
      if (i === 0) {
        tr.append(el('td', { rowspan: list.length }, student.student_id, el('br'), el('span', { class: 'hint' }, student.email),
          ...objectionNotes(objections)),
          el('td', { rowspan: list.length }, student.choice || 'none yet'),
          el('td', { rowspan: list.length }, (student.accommodations || []).join(', ') || '–'));
      }
      if (!s) {
        tr.append(el('td', { colspan: 4 + KINDS.length + 1, class: 'hint' }, 'No session.'));
      } else {
        const open = el('button', { type: 'button', 'data-session': s.id }, s.id);
        open.addEventListener('click', guard(() => showSession(s.id)));
        tr.append(el('td', {}, open, s.unreliable ? el('div', { class: 'note', 'data-no-face': '' }, NO_FACE + facesSeen(s.precheck)) : ''),
          // Whether the session ran the client this server publishes: a
          // modified client stands out here, not only in the detail.
          el('td', { 'data-build': s.published_build ? 'published' : 'other', class: s.published_build ? 'ok' : 'note', title: s.build },
            s.published_build ? 'published' : 'not the published build'),
          el('td', {}, when(s.started)), el('td', {}, when(s.finished)));
        for (const k of KINDS) {
          const n = (s.counts || {})[k] || 0;
          tr.append(el('td', { class: n && s.unreliable && UNRELIABLE.has(k) ? 'unreliable' : '', 'data-kind': k }, n ? String(n) : ''));
        }
        tr.append(el('td', {}, String((s.marks || []).filter((m) => !m.removed).length)));
      }
      body.push(tr);
    });
  }
  // How many sessions are so marked, above the list: a pattern (many, or
  // one student again and again) is itself worth a look.
  const all = rows.flatMap((r) => r.sessions);
  const noFace = all.filter((s) => s.unreliable).length;
  const summary = el('p', { id: 'no-face-count', class: noFace ? 'note' : 'hint', 'data-count': String(noFace) },
    `${all.length} sessions; ${noFace} with ${NO_FACE}.`);
  $('sessions').replaceChildren(rows.length
    ? el('div', {}, summary, el('div', { class: 'scroll' }, el('table', { id: 'sessions-table' }, el('thead', {}, head), el('tbody', {}, ...body))))
    : el('p', { class: 'hint' }, 'No students on this exam.'));
  status('');
}

// objectionNotes shows a student's objections (GDPR art. 21) to the committee.
function objectionNotes(objections) {
  return (objections || []).map((o) => el('div', { class: 'note', 'data-objection': o.id }, `Objection (${when(o.at)}): ${o.reason}`));
}

function insertSVG(into, text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg' || doc.querySelector('parsererror')) throw new Error('the timeline is not an SVG');
  svg.querySelectorAll('script, foreignObject').forEach((n) => n.remove());
  into.replaceChildren(document.importNode(svg, true));
}

async function showSession(id) {
  current = id;
  const enc = encodeURIComponent(id);
  const [d, svg] = await Promise.all([
    api(`/api/v1/review/sessions/${enc}`).then((r) => r.json()),
    api(`/api/v1/review/sessions/${enc}/timeline.svg`).then((r) => r.text()),
  ]);
  const s = d.session;
  const unreliable = !s.precheck?.face_found;
  $('detail').hidden = false;
  document.body.dataset.view = 'session';
  $('detail-title').textContent = `Session ${s.id}: ${d.student.student_id}`;
  $('detail-meta').replaceChildren(
    el('p', {}, `${d.exam.name} (${d.exam.course}). Started ${when(s.started)}, ${s.finished ? `finished ${when(s.finished)}` : 'not finished'}. `,
      `${d.summaries} summaries stored, last seq ${s.last_seq}. Choice: ${d.student.choice || 'none'}. `,
      `Accommodations (off): ${(d.student.accommodations || []).join(', ') || 'none'}.`),
    el('p', {}, `Detectors: ${(s.policy?.detectors || []).map((x) => (x.threshold_s ? `${x.kind} ≥ ${x.threshold_s} s` : x.kind)).join(', ') || 'none'}.`),
    unreliable ? el('p', { class: 'note', id: 'no-face' }, el('strong', {}, NO_FACE), facesSeen(s.precheck),
      '. face_absent and looking_away are not evidence of anything for this session. The camera, its angle or the light may be ',
      'the cause, or a client that claims no face: compare the build with the published one.') : '',
    el('p', { class: s.build === d.published_build ? 'hint mono' : 'note mono' },
      `build ${s.build}${s.build === d.published_build ? ' (the published one)' : ' (not the build this server serves now)'}`),
    ...objectionNotes(d.objections));
  insertSVG($('timeline'), svg);
  $('events').replaceChildren(d.events.length
    ? el('table', { id: 'events-table' },
      el('thead', {}, el('tr', {}, ...['Kind', 'Start', 'End', 'Duration', 'Peak'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...d.events.map((e) => el('tr', { 'data-kind': e.kind, class: unreliable && UNRELIABLE.has(e.kind) ? 'unreliable' : '' },
        el('td', {}, e.kind + (unreliable && UNRELIABLE.has(e.kind) ? ' (unreliable for this session)' : '')),
        el('td', {}, clock(e.start)), el('td', {}, clock(e.end)),
        el('td', {}, `${((e.end - e.start) / 1000).toFixed(1)} s`), el('td', {}, String(e.peak))))))
    : el('p', { class: 'hint' }, 'No events.'));
  $('marks').replaceChildren(...(d.marks || []).map((m) => {
    const li = el('li', { 'data-mark': m.id }, `${m.kind}: ${m.reason} (${m.by}, ${when(m.at)})`);
    if (m.removed) {
      li.append(` lifted ${when(m.removed)}${m.removed_by ? ` by ${m.removed_by}` : ''}${m.removed_reason ? `: ${m.removed_reason}` : ''}`);
      li.className = 'hint';
    } else {
      const b = el('button', { type: 'button' }, 'Lift');
      b.addEventListener('click', guard(async () => {
        // Lifting ends the longer retention the mark gave: the reason is
        // required and kept with the mark (the access log records only the
        // lifting). A reviewer may lift only their own marks.
        const reason = (prompt('Why is this mark lifted? (required, kept with the mark)') || '').trim();
        if (!reason) return;
        await api(`/api/v1/review/sessions/${enc}/marks/${encodeURIComponent(m.id)}`,
          { method: 'DELETE', body: JSON.stringify({ reason }) });
        await showSession(id);
      }));
      li.append(' ', b);
    }
    return li;
  }));
  $('notes').replaceChildren(...(d.notes || []).map((n) => el('li', {}, `${n.text} (${n.by}, ${when(n.at)})`)));
  $('views').replaceChildren(...(d.views || []).map((v) => el('li', {}, `${v.who}, ${when(v.at)}: ${v.what}`)));
  status('');
  $('detail').scrollIntoView();
}

function init() {
  $('signout').addEventListener('click', signOut);
  $('load').addEventListener('click', guard(showSessions));
  $('exam').addEventListener('change', guard(showSessions));
  $('mark-form').addEventListener('submit', guard(async (ev) => {
    ev.preventDefault();
    await api(`/api/v1/review/sessions/${encodeURIComponent(current)}/marks`, {
      method: 'POST', body: JSON.stringify({ kind: $('mark-kind').value, reason: $('mark-reason').value.trim() }),
    });
    $('mark-reason').value = '';
    await showSession(current);
  }));
  $('note-form').addEventListener('submit', guard(async (ev) => {
    ev.preventDefault();
    await api(`/api/v1/review/sessions/${encodeURIComponent(current)}/notes`, { method: 'POST', body: JSON.stringify({ text: $('note-text').value.trim() }) });
    $('note-text').value = '';
    await showSession(current);
  }));
  guard(signIn)();
}

init();
