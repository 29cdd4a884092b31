// Rooms & counts: per room, the day's crossings in and out per 15 minutes
// and the occupancy line, with the day's export. Kept in its own module so
// that room features (capacity, occupancy, lines) grow here alone.
import { addTexts, locale, onLang, t } from './i18n.js';
import { el, saveBlob, svg } from './dom.js';
import { act, api, json, result, show } from './ui.js';

addTexts({
  en: {
    'nav.rooms': 'Rooms & counts',
    'rooms.day': 'Day',
    'rooms.room': 'Room',
    'rooms.all': 'All rooms',
    'rooms.show': 'Show',
    'rooms.csv': 'Export CSV',
    'rooms.json': 'Export JSON',
    'rooms.none': 'No rooms yet: create a kiosk under Kiosks.',
    'rooms.head': '{room}: {in} in, {out} out, {inside} inside at {time}',
    'rooms.legendIn': '▮ in per 15 min',
    'rooms.legendOut': '▮ out per 15 min',
    'rooms.legendOcc': '— occupancy',
    'rooms.chart': 'in, out and occupancy over the day',
    'rooms.exported': 'Saved {file}.',
    'rooms.dashboard': 'The rooms dashboard: occupancy over any range, per line, peaks, drift, capacities and displays',
  },
  nl: {
    'nav.rooms': 'Zalen en tellingen',
    'rooms.day': 'Dag',
    'rooms.room': 'Zaal',
    'rooms.all': 'Alle zalen',
    'rooms.show': 'Tonen',
    'rooms.csv': 'CSV exporteren',
    'rooms.json': 'JSON exporteren',
    'rooms.none': 'Nog geen zalen: maak een kiosk aan onder Kiosken.',
    'rooms.head': '{room}: {in} in, {out} uit, {inside} binnen om {time}',
    'rooms.legendIn': '▮ in per 15 min',
    'rooms.legendOut': '▮ uit per 15 min',
    'rooms.legendOcc': '— bezetting',
    'rooms.chart': 'in, uit en bezetting over de dag',
    'rooms.exported': '{file} opgeslagen.',
    'rooms.dashboard': 'Het zalendashboard: bezetting over elke periode, per lijn, pieken, afwijking, capaciteit en schermen',
  },
});

const ui = {};
let last = null; // the counts drawn, redrawn on a language switch

function dayRange() {
  const [y, m, d] = ui.day.value.split('-').map(Number);
  return { from: new Date(y, m - 1, d).getTime(), to: new Date(y, m - 1, d + 1).getTime() };
}

function countsURL(format) {
  const { from, to } = dayRange();
  const q = new URLSearchParams({ from, to, bucket: '15m', format });
  if (ui.room.value) q.set('room', ui.room.value);
  return `/api/v1/counts?${q}`;
}

async function loadRooms() {
  const { rooms } = await json('/api/v1/rooms');
  const current = ui.room.value;
  ui.room.replaceChildren(el('option', { value: '', t: 'rooms.all' }), ...rooms.map((r) => el('option', { value: r }, r)));
  ui.room.value = rooms.includes(current) ? current : '';
}

async function showCounts() {
  last = await json(countsURL('json'));
  draw();
}

function draw() {
  if (!last) return;
  const byRoom = new Map();
  for (const o of last.occupancy) {
    if (!byRoom.has(o.room)) byRoom.set(o.room, []);
    byRoom.get(o.room).push(o);
  }
  const charts = [];
  for (const [room, rows] of byRoom) {
    const total = rows.reduce((s, r) => ({ in: s.in + r.in, out: s.out + r.out }), { in: 0, out: 0 });
    const now = rows.filter((r) => new Date(r.start) <= Date.now()).at(-1) ?? rows.at(-1);
    const time = new Date(now?.end ?? Date.now()).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
    charts.push(el('h3', { t: 'rooms.head', tv: { room, in: total.in, out: total.out, inside: now?.occupancy ?? 0, time } }));
    charts.push(chart(rows));
  }
  if (charts.length === 0) charts.push(el('p', { class: 'hint', t: 'rooms.none' }));
  charts.push(el('p', { class: 'legend' }, el('span', { class: 'in', t: 'rooms.legendIn' }), el('span', { class: 'out', t: 'rooms.legendOut' }),
    el('span', { class: 'occupancy', t: 'rooms.legendOcc' })));
  ui.charts.replaceChildren(...charts);
}

// chart draws in (up) and out (down) bars per bucket and the occupancy line.
function chart(rows) {
  const W = 960, H = 220, pad = 28, mid = H / 2;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.in, r.out, Math.abs(r.occupancy))));
  const bw = (W - pad) / rows.length;
  const scale = (v) => (v / max) * (mid - 12);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': t('rooms.chart') });
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
      const label = svg('text', { x, y: H - 2, class: 'label' });
      label.textContent = `${String(start.getHours()).padStart(2, '0')}:00`;
      s.append(label);
    }
  });
  s.append(svg('polyline', { points: points.join(' '), class: 'occupancy' }));
  return s;
}

// download fetches an export and saves it through a blob URL, so a failed
// export shows its error here instead of navigating away.
function download(format) {
  return act(ui.out, async () => {
    const blob = await (await api(countsURL(format))).blob();
    const file = `lokaal-${ui.day.value}${ui.room.value ? '-' + ui.room.value : ''}.${format}`;
    saveBlob(blob, file);
    return ['rooms.exported', { file }];
  });
}

async function refresh() {
  await loadRooms();
  await showCounts();
}

export default {
  id: 'rooms',
  title: 'nav.rooms',
  mount(root) {
    const today = new Date();
    ui.day = el('input', { id: 'day', type: 'date', required: true,
      value: `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}` });
    ui.room = el('select', { id: 'room' });
    ui.charts = el('div', { id: 'charts' });
    ui.out = result('rooms-result');
    const csv = el('button', { id: 'export-csv', type: 'button', t: 'rooms.csv' });
    const js = el('button', { id: 'export-json', type: 'button', t: 'rooms.json' });
    const form = el('form', { id: 'range', class: 'row' },
      el('label', { class: 'field' }, el('span', { t: 'rooms.day' }), ui.day),
      el('label', { class: 'field' }, el('span', { t: 'rooms.room' }), ui.room),
      el('button', { t: 'rooms.show' }), csv, js, ui.out);
    form.addEventListener('submit', (ev) => { ev.preventDefault(); showCounts().catch((e) => show(ui.out, e)); });
    ui.room.addEventListener('change', () => showCounts().catch((e) => show(ui.out, e)));
    csv.addEventListener('click', () => download('csv'));
    js.addEventListener('click', () => download('json'));
    // Occupancy over ranges, per line, peaks and drift, capacities and the
    // displays live on the rooms dashboard; this is the day at a glance.
    const more = el('p', {}, el('a', { href: '/dashboard', id: 'to-dashboard', t: 'rooms.dashboard' }));
    root.append(el('div', { class: 'card' }, more, form, ui.charts));
    onLang(draw);
  },
  enter: refresh,
  refresh,
  onChange(what) { if (what === 'kiosks') loadRooms().catch(() => {}); },
};
