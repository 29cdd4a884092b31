// lokaal rooms dashboard: occupancy per room and per line over a date
// range, peaks and drift per day, a week heat map, and a CSV of each chart.
// Every time shown is cut from the server's own ISO 8601 strings, which
// carry its zone's offset: charts, tables and CSVs agree, whatever zone the
// browser is in. Built with DOM APIs: the CSP forbids inline script and style.
import { $, el, saveBlob, status, svg } from './dom.js';
import { api, logOut, whoAmI } from './ui.js';

const BUCKET_NAMES = { '15m': '15 min', '1h': 'hour', '1d': 'day' };
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

// The parts of a server timestamp (2026-03-02T09:15:00+01:00), in its zone.
const day = (iso) => iso.slice(0, 10);
const clock = (iso) => iso.slice(11, 16);
function weekday(iso) { // 0 is Monday
  const [y, m, d] = day(iso).split('-').map(Number);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}
function nextDay(date) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

let zone = '';
let settings = new Map(); // room -> {capacity, reset}
let kioskNames = new Map();

// today is the date in the server's zone when it has an IANA name, else
// the browser's.
function today() {
  const now = new Date();
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  }
}

// ---- CSV: each chart's data as shown, times as the server wrote them ----

function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvButton(name, header, rows) {
  const b = el('button', { type: 'button', class: 'csv' }, 'CSV');
  b.addEventListener('click', () => {
    const text = [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
    saveBlob(new Blob([text], { type: 'text/csv' }), `${name}.csv`);
  });
  return b;
}

function chartHead(title, button) {
  return el('div', { class: 'chart-head' }, el('h3', {}, title), button);
}

// ---- Charts ----

const W = 960, PAD_L = 36, PAD_B = 18;

// labels puts about a dozen time labels under n buckets.
function labels(s, rows, x, H, bucket) {
  const multiDay = rows.length && day(rows[0].start) !== day(rows.at(-1).start);
  const every = Math.max(1, Math.ceil(rows.length / 12));
  rows.forEach((r, i) => {
    if (i % every) return;
    const text = bucket === '1d' ? `${WEEKDAYS[weekday(r.start)]} ${day(r.start).slice(5)}`
      : multiDay ? `${day(r.start).slice(5)} ${clock(r.start)}` : clock(r.start);
    s.append(svg('text', { x: x(i), y: H - 4, class: 'label' }, text));
  });
}

function yAxis(s, max, y) {
  for (const v of [0, Math.round(max / 2), max]) {
    s.append(svg('line', { x1: PAD_L, x2: W, y1: y(v), y2: y(v), class: 'grid' }));
    s.append(svg('text', { x: 2, y: y(v) + 4, class: 'label' }, String(v)));
  }
}

// occupancyChart draws the occupancy as a filled step line, empty where a
// bucket has not started, with the capacity dashed.
function occupancyChart(rows, capacity, bucket) {
  const H = 220;
  const max = Math.max(1, capacity, ...rows.map((r) => r.peak ?? 0));
  const bw = (W - PAD_L) / Math.max(rows.length, 1);
  const x = (i) => PAD_L + i * bw;
  const y = (v) => 8 + (H - PAD_B - 8) * (1 - v / max);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart occupancy-chart', role: 'img', 'aria-label': 'occupancy per bucket' });
  yAxis(s, max, y);
  // One path per run of started buckets: the future stays empty.
  let run = [];
  const flush = () => {
    if (run.length) {
      const first = run[0][0];
      let d = `M${first.toFixed(1)},${y(0)}`;
      for (const [px, v] of run) d += ` V${y(v).toFixed(1)} H${(px + bw).toFixed(1)}`;
      d += ` V${y(0)} H${first.toFixed(1)}Z`;
      s.append(svg('path', { d, class: 'area' }));
    }
    run = [];
  };
  rows.forEach((r, i) => {
    if (r.occupancy === null) flush();
    else run.push([x(i), r.occupancy]);
  });
  flush();
  if (capacity) s.append(svg('line', { x1: PAD_L, x2: W, y1: y(capacity), y2: y(capacity), class: 'capacity' }));
  labels(s, rows, x, H, bucket);
  return s;
}

// flowChart draws crossings in (up) and out (down) per bucket.
function flowChart(rows, bucket, label) {
  const H = 160, mid = (H - PAD_B) / 2;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.in, r.out)));
  const bw = (W - PAD_L) / Math.max(rows.length, 1);
  const x = (i) => PAD_L + i * bw;
  const h = (v) => (v / max) * (mid - 6);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label });
  s.append(svg('line', { x1: PAD_L, y1: mid, x2: W, y2: mid, class: 'axis' }));
  s.append(svg('text', { x: 2, y: 12, class: 'label' }, String(max)));
  const wide = Math.max(bw - (bw > 4 ? 1 : 0), 0.8);
  rows.forEach((r, i) => {
    if (r.in) s.append(svg('rect', { x: x(i), y: mid - h(r.in), width: wide, height: h(r.in), class: 'in' }));
    if (r.out) s.append(svg('rect', { x: x(i), y: mid, width: wide, height: h(r.out), class: 'out' }));
  });
  labels(s, rows, x, H, bucket);
  return s;
}

// heatMap shows the average peak per hour of the week, for space planning.
function heatMap(rows) {
  const sum = Array.from({ length: 7 }, () => new Array(24).fill(0));
  const n = Array.from({ length: 7 }, () => new Array(24).fill(0));
  for (const r of rows) {
    if (r.peak === null) continue;
    const d = weekday(r.start), hr = Number(clock(r.start).slice(0, 2));
    sum[d][hr] += r.peak;
    n[d][hr]++;
  }
  const avg = sum.map((row, d) => row.map((v, hr) => (n[d][hr] ? v / n[d][hr] : null)));
  const max = Math.max(1, ...avg.flat().filter((v) => v !== null));
  const cw = (W - PAD_L) / 24, ch = 22;
  const s = svg('svg', { viewBox: `0 0 ${W} ${ch * 7 + PAD_B}`, class: 'chart heat-map', role: 'img', 'aria-label': 'average peak occupancy by weekday and hour' });
  avg.forEach((row, d) => {
    s.append(svg('text', { x: 2, y: d * ch + 15, class: 'label' }, WEEKDAYS[d]));
    row.forEach((v, hr) => {
      const cell = svg('rect', { x: PAD_L + hr * cw, y: d * ch, width: cw - 1, height: ch - 1, class: 'occupancy-cell',
        fill: v === null ? '#eef1f4' : '#1d4ed8', 'fill-opacity': v === null ? 1 : (0.08 + 0.92 * v / max).toFixed(2) });
      cell.append(svg('title', {}, `${WEEKDAYS[d]} ${String(hr).padStart(2, '0')}:00 ${v === null ? 'no data' : `average peak ${v.toFixed(1)}`}`));
      s.append(cell);
    });
  });
  for (let hr = 0; hr < 24; hr += 3) s.append(svg('text', { x: PAD_L + hr * cw, y: ch * 7 + 14, class: 'label' }, `${String(hr).padStart(2, '0')}:00`));
  return { chart: s, avg };
}

// ---- One room ----

function roomCard(room, occ, rows, days, bucket) {
  const cap = settings.get(room)?.capacity || 0;
  const started = occ.filter((o) => o.occupancy !== null);
  const current = started.at(-1);
  const head = el('div', { class: 'room-head' }, el('h2', {}, room));
  if (current) {
    const level = !cap ? '' : current.occupancy >= cap ? 'red' : current.occupancy >= 0.8 * cap ? 'amber' : '';
    head.append(el('span', { class: `now ${level}`, 'data-occupancy': String(current.occupancy) },
      // Never a time still to come: the bucket holding now says "now".
      `${current.occupancy}${cap ? ` / ${cap}` : ''} inside ${Date.parse(current.end) > Date.now() ? 'now' : `at ${clock(current.end)}`}`));
  }
  head.append(el('a', { href: `/display?room=${encodeURIComponent(room)}` }, 'capacity display'));
  const card = el('section', { class: 'card room', 'data-room': room, 'data-bucket': bucket }, head);
  const per = BUCKET_NAMES[bucket];
  const slug = `lokaal-${room}-${$('from').value}-${$('to').value}-${bucket}`;

  card.append(chartHead(`Occupancy at the end of each ${per}`,
    csvButton(`${slug}-occupancy`, ['start', 'end', 'room', 'in', 'out', 'occupancy', 'peak'],
      occ.map((o) => [o.start, o.end, o.room, o.in, o.out, o.occupancy, o.peak]))), occupancyChart(occ, cap, bucket));
  card.append(chartHead(`Into and out of the room per ${per}`,
    csvButton(`${slug}-flow`, ['start', 'end', 'room', 'in', 'out'], occ.map((o) => [o.start, o.end, o.room, o.in, o.out]))),
  flowChart(occ, bucket, 'crossings into and out of the room'),
  el('p', { class: 'legend' }, el('span', { class: 'in' }, '▮ into the room'), el('span', { class: 'out' }, '▮ out of the room'),
    el('span', { class: 'occupancy' }, '▮ occupancy'), cap ? el('span', { class: 'error' }, '-- capacity') : ''));

  // Per line: each line's own in and out, by its side.
  const byLine = new Map();
  for (const r of rows) {
    const key = `${r.kiosk} ${r.line}`;
    if (!byLine.has(key)) byLine.set(key, { kiosk: r.kiosk, line: r.line, inside: r.inside, rows: new Map() });
    byLine.get(key).rows.set(r.start, r);
  }
  for (const l of byLine.values()) {
    const series = occ.map((o) => ({ start: o.start, end: o.end, in: l.rows.get(o.start)?.in ?? 0, out: l.rows.get(o.start)?.out ?? 0 }));
    const name = `${kioskNames.get(l.kiosk) || l.kiosk} · ${l.line}`;
    const side = { left: 'room on the left of A→B', right: 'room on the right of A→B', none: 'passers-by only' }[l.inside] || l.inside;
    const total = series.reduce((t, r) => [t[0] + r.in, t[1] + r.out], [0, 0]);
    const block = el('div', { class: 'line-view', 'data-line': l.line, 'data-kiosk': l.kiosk });
    block.append(chartHead(`Line ${name} (${side}): ${total[0]} in, ${total[1]} out`,
      csvButton(`${slug}-${l.line}`, ['start', 'end', 'room', 'kiosk', 'line', 'inside', 'in', 'out'],
        series.map((r) => [r.start, r.end, room, l.kiosk, l.line, l.inside, r.in, r.out]))), flowChart(series, bucket, `line ${name}`));
    card.append(block);
  }

  card.append(chartHead('Peak occupancy per day',
    csvButton(`${slug}-days`, ['room', 'start', 'end', 'in', 'out', 'peak', 'drift'], days.map((d) => [d.room, d.start, d.end, d.in, d.out, d.peak, d.drift]))),
  el('table', { class: 'days' },
    el('thead', {}, el('tr', {}, ...['Counting day', 'In', 'Out', 'Peak', 'Drift'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...days.map((d) => el('tr', { 'data-day': day(d.start) },
      el('td', {}, `${WEEKDAYS[weekday(d.start)]} ${day(d.start)} ${clock(d.start)} – ${day(d.end) === day(d.start) ? '' : `${day(d.end)} `}${clock(d.end)}`),
      el('td', {}, String(d.in)), el('td', {}, String(d.out)), el('td', { class: 'peak' }, String(d.peak)),
      el('td', { class: d.drift ? 'drift' : '' }, String(d.drift)))))));

  if (bucket !== '1d') {
    const { chart, avg } = heatMap(occ);
    const cells = [];
    avg.forEach((row, d) => row.forEach((v, hr) => { if (v !== null) cells.push([WEEKDAYS[d], `${String(hr).padStart(2, '0')}:00`, v.toFixed(2)]); }));
    card.append(chartHead('Week: average peak by weekday and hour', csvButton(`${slug}-week`, ['weekday', 'hour', 'average_peak'], cells)), chart);
  }
  return card;
}

// ---- Loading ----

async function loadRooms() {
  const data = await (await api('/api/v1/rooms')).json();
  zone = data.time_zone;
  $('zone').textContent = `Times in ${zone}`;
  settings = new Map(data.settings.map((s) => [s.name, s]));
  const current = $('room').value;
  $('room').replaceChildren(el('option', { value: '' }, 'All rooms'), ...data.rooms.map((r) => el('option', { value: r }, r)));
  $('room').value = data.rooms.includes(current) ? current : '';
  showSettings(data.settings);
}

async function loadKiosks() {
  const { kiosks } = await (await api('/api/v1/kiosks')).json();
  kioskNames = new Map(kiosks.map((k) => [k.id, k.name]));
}

async function show() {
  const bucket = $('bucket').value;
  const q = new URLSearchParams({ from: $('from').value, to: nextDay($('to').value), bucket });
  if ($('room').value) q.set('room', $('room').value);
  const data = await (await api(`/api/v1/counts?${q}`)).json();
  const rooms = [...new Set(data.occupancy.map((o) => o.room))];
  const cards = rooms.map((room) => roomCard(room, data.occupancy.filter((o) => o.room === room),
    data.rows.filter((r) => r.room === room), data.days.filter((d) => d.room === room), bucket));
  $('rooms').replaceChildren(...(cards.length ? cards : [el('p', { class: 'card hint' }, 'No rooms yet: create a kiosk on the admin page.')]));
}

function showSettings(rooms) {
  $('settings').replaceChildren(rooms.length ? el('table', {},
    el('thead', {}, el('tr', {}, ...['Room', 'Capacity', 'Reset', '', 'Display'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rooms.map((r) => {
      const cap = el('input', { type: 'number', min: 0, max: 100000, value: r.capacity, 'aria-label': `capacity of ${r.name}` });
      const reset = el('input', { type: 'time', value: r.reset, required: '', 'aria-label': `reset of ${r.name}` });
      const save = el('button', { type: 'button' }, 'Save');
      save.addEventListener('click', async () => {
        try {
          await api(`/api/v1/rooms/${encodeURIComponent(r.name)}`, { method: 'PUT', body: JSON.stringify({ capacity: Number(cap.value), reset: reset.value }) });
          await refresh();
          status(`${r.name}: capacity ${Number(cap.value) || 'none'}, reset at ${reset.value}.`);
        } catch (e) {
          status(e.message, true);
        }
      });
      return el('tr', { 'data-room': r.name }, el('td', {}, r.name), el('td', {}, cap), el('td', {}, reset), el('td', {}, save),
        el('td', {}, el('a', { href: `/display?room=${encodeURIComponent(r.name)}` }, 'open')));
    }))) : el('p', { class: 'hint' }, 'No rooms yet.'));
}

async function refresh() {
  try {
    await Promise.all([loadRooms(), loadKiosks()]);
    await show();
    status('');
  } catch (e) {
    status(e.message, true);
  }
}

async function init() {
  $('signout').addEventListener('click', logOut);
  $('range').addEventListener('submit', (ev) => { ev.preventDefault(); refresh(); });
  const me = await whoAmI();
  if (me.role !== 'admin') {
    status('The rooms dashboard is for admins.', true);
    return;
  }
  $('app').hidden = false;
  await loadRooms();
  // The range and view can come in the URL: ?from=&to=&bucket=&room=
  const q = new URLSearchParams(location.search);
  $('from').value = q.get('from') || today();
  $('to').value = q.get('to') || $('from').value;
  if (q.get('bucket')) $('bucket').value = q.get('bucket');
  if (q.get('room')) $('room').value = q.get('room');
  await refresh();
  // Keep the view current while it is open.
  setInterval(() => { if (!$('app').hidden && !document.hidden) refresh(); }, 60_000);
}

init().catch((e) => status(e.message, true));
