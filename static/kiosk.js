// lokaal kiosk: the browser half of the counting screen.
//
// This file owns the promise-heavy browser APIs: the camera, the device key
// (WebCrypto Ed25519, never extractable), the IndexedDB outbox and fetch.
// Counting, batch building and drawing happen in Go (kiosk.wasm, exported as
// globalThis.lokaalGo). Camera pixels go from the video element to Go's
// counter and nowhere else: nothing here draws, stores or sends them.
import { $ } from './dom.js';
import { loadGo } from './go.js';
import { b64, counts, done, drain, permanent, request, signQueued, wake } from './outbox.js';
import { ROOM_WORDS, watchRoom } from './room-display.js';

const INTERVAL_CHECK_MS = 1000;
const SETUP_TIMEOUT_MS = 10 * 60 * 1000;

const body = document.body;

function show(state, message) {
  body.dataset.state = state;
  $('message').textContent = message;
}

// ---- IndexedDB: meta (device, key, next seq, running tally), queue, dead ----

function openDB() {
  const r = indexedDB.open('lokaal-kiosk', 1);
  r.onupgradeneeded = () => {
    r.result.createObjectStore('meta');
    r.result.createObjectStore('queue', { keyPath: 'id', autoIncrement: true });
    r.result.createObjectStore('dead', { keyPath: 'id' });
  };
  return request(r);
}

let db;

async function getMeta(key) {
  return request(db.transaction('meta').objectStore('meta').get(key));
}

async function putMeta(entries) {
  const tx = db.transaction('meta', 'readwrite');
  for (const [k, v] of Object.entries(entries)) tx.objectStore('meta').put(v, k);
  return done(tx);
}

// enqueue numbers a sealed batch (in Go, which checks it) and queues it in
// one transaction, together with the tally that replaces it: a crash leaves
// either the old tally (sealed again on reload) or the queued batch, never
// both and never neither.
async function enqueue(batchJSON, tallyJSON) {
  const tx = db.transaction(['meta', 'queue'], 'readwrite');
  const meta = tx.objectStore('meta');
  const seq = (await request(meta.get('nextSeq'))) || 1;
  const batch = globalThis.lokaalGo.number(batchJSON, seq);
  if (batch instanceof Error) {
    tx.abort();
    throw batch;
  }
  tx.objectStore('queue').add({ seq, batch, body: null });
  meta.put(seq + 1, 'nextSeq');
  meta.put(tallyJSON, 'tally');
  await done(tx);
  body.dataset.sealedSeq = seq;
  await updateStatus();
  wake();
}

// ---- Enrolment ----

async function enrol(code) {
  const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const raw = await crypto.subtle.exportKey('raw', keys.publicKey);
  const res = await fetch('/api/v1/enrol', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, public_key: b64(raw) }),
  });
  if (res.status !== 201) {
    const err = await res.json().catch(() => ({}));
    throw new Error(err.message || `enrolment failed (HTTP ${res.status})`);
  }
  const { device, config } = await res.json();
  await putMeta({ device, config, key: keys.privateKey, nextSeq: 1 });
}

// ---- Outbox: sign, then send oldest first ----

let key;
let acked = 0;

async function moveToDead(rec, reason) {
  const tx = db.transaction(['queue', 'dead'], 'readwrite');
  tx.objectStore('queue').delete(rec.id);
  tx.objectStore('dead').put({ ...rec, reason });
  await done(tx);
}

async function updateStatus() {
  const { queue, dead } = await counts(db);
  Object.assign(body.dataset, { queue, ackedSeq: acked, dead });
  globalThis.lokaalGo.status(queue, acked, dead);
}

// sign completes a queued batch with its signature. Go checks the batch and
// makes the exact bytes; only the key is used here.
function sign(rec) {
  return signQueued(db, rec, {
    key, env: globalThis.lokaalGo.envelope(rec.batch), dead: (why) => moveToDead(rec, why),
  });
}

// post sends one signed batch and reports whether to go on at once (true) or
// to wait and try the same batch again (false).
async function post(rec) {
  let res;
  try {
    res = await fetch('/api/v1/counts', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: rec.body,
    });
  } catch {
    return false; // offline
  }
  if (res.status === 200 || res.status === 201) { // stored, or stored before
    const tx = db.transaction(['queue', 'meta'], 'readwrite');
    tx.objectStore('queue').delete(rec.id);
    tx.objectStore('meta').put(rec.seq, 'ackedSeq');
    await done(tx);
    acked = rec.seq;
    return true;
  }
  if (permanent(res.status)) {
    // The server will never take this batch: keep it for inspection and
    // move on, so one bad batch does not block the rest.
    const err = await res.json().catch(() => ({}));
    await moveToDead(rec, `HTTP ${res.status} ${err.code || ''}`);
    return true;
  }
  return false; // 408, 429, 5xx: the server may take it later
}

// ---- Camera and counting ----

async function openCamera() {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { width: { ideal: 640 }, height: { ideal: 480 } },
  });
  // The video element is never attached to the page: it only feeds frames.
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  return video;
}

// count hands camera frames to Go's counter, as many as Go's budget takes.
// A frame taken is read once, as RGBA, from the camera's VideoFrame into
// one reused buffer: no canvas, no fresh ImageData per frame.
function count(go, video) {
  const w = video.videoWidth;
  const h = video.videoHeight;
  const rgba = new Uint8Array(4 * w * h);
  const read = { rect: { x: 0, y: 0, width: w, height: h }, format: 'RGBA', colorSpace: 'srgb' };
  let reading = false;
  const next = video.requestVideoFrameCallback
    ? (cb) => video.requestVideoFrameCallback(cb)
    : (cb) => requestAnimationFrame((now) => cb(now, {}));
  const onFrame = async (now, meta) => {
    next(onFrame);
    const t = meta.captureTime ?? now;
    // Go paces counting (kiosk.Budget): a frame before its slot, or while
    // the last one is still being read, is not even copied out of the video.
    if (reading || !go.due(t)) return;
    reading = true;
    let frame;
    try {
      frame = new VideoFrame(video);
      await frame.copyTo(rgba, read);
    } catch (e) {
      console.error('kiosk: camera frame:', e);
      return;
    } finally {
      frame?.close();
      reading = false;
    }
    const tally = go.frame(rgba, t, Date.now());
    // Persist each crossing at once, so a reload seals it instead of losing it.
    if (tally) putMeta({ tally });
  };
  next(onFrame);
}

// roomDisplay (/kiosk?display=1) shows the room's occupancy, from every
// line of every kiosk in it, not only this kiosk's, against its capacity,
// as /display colours it (room-display.js).
function roomDisplay(room) {
  const p = $('room-display');
  p.hidden = false;
  p.textContent = `${room}: …`;
  watchRoom(room, (d) => {
    p.textContent = `${d.room}: ${d.occupancy}${d.capacity ? ` / ${d.capacity}` : ''} inside · ${ROOM_WORDS[d.level] || ''}`;
    p.dataset.level = d.level;
    p.dataset.occupancy = String(d.occupancy);
    delete p.dataset.stale;
  }, () => { p.dataset.stale = ''; });
}

// ---- Setup mode ----

function askToken() {
  const dialog = $('token-dialog');
  $('token').value = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok' ? $('token').value : null);
    }, { once: true });
  });
}

// setupAuth returns the headers setup mode changes lines with: a staff
// admin's session when one is logged in on this browser (its cookie goes by
// itself, the CSRF token with each change), else the admin token asked for.
async function setupAuth() {
  const me = await fetch('/api/v1/me', { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  if (me && me.role === 'admin') return { 'X-CSRF-Token': me.csrf };
  const t = await askToken();
  if (!t) return null;
  const res = await fetch('/api/v1/kiosks', { headers: { Authorization: `Bearer ${t}` } });
  if (!res.ok) {
    $('message').textContent = 'That admin token was not accepted.';
    setTimeout(() => { $('message').textContent = ''; }, 4000);
    return null;
  }
  return { Authorization: `Bearer ${t}` };
}

function setupControls(go, state) {
  let auth = null;
  let timer = 0;
  const toggle = (on) => {
    $('banner').hidden = !on;
    $('save').hidden = !on;
    $('done').hidden = !on;
    $('setup').hidden = on;
    body.dataset.state = on ? 'setup' : 'counting';
  };
  const leave = () => {
    clearTimeout(timer);
    auth = null;
    go.setup(false);
    toggle(false);
  };
  $('setup').hidden = false;
  $('setup').addEventListener('click', async () => {
    auth = await setupAuth();
    if (!auth) return;
    go.setup(true);
    toggle(true);
    // A forgotten setup screen must not stay open: back to counting only.
    timer = setTimeout(leave, SETUP_TIMEOUT_MS);
  });
  $('done').addEventListener('click', leave);
  $('save').addEventListener('click', async () => {
    const lines = go.lines();
    const res = await fetch(`/api/v1/kiosks/${encodeURIComponent(state.config.kiosk)}/lines`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ lines: JSON.parse(lines) }),
    });
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      $('message').textContent = `Not saved: ${err.message || res.status}`;
      return;
    }
    $('message').textContent = '';
    const batch = go.applyLines(lines, Date.now());
    state.config.lines = JSON.parse(lines);
    await putMeta({ config: state.config });
    if (!(batch instanceof Error)) await enqueue(batch, go.tally());
  });
}

// ---- Start ----

async function run() {
  // The client is checked before anything else runs (go.js): kiosk.wasm
  // against the page's integrity, and the hash of what runs is the build
  // every batch names.
  const { go, build } = await loadGo();
  body.dataset.build = build;
  db = await openDB();
  const code = new URLSearchParams(location.hash.slice(1)).get('enrol');
  if (code) {
    // The code is a one-time secret: off the address bar and history at once.
    history.replaceState(null, '', location.pathname + location.search);
    show('enrolling', 'Enrolling this device…');
    try {
      await enrol(code);
    } catch (e) {
      show('enrol-failed', `Enrolment failed: ${e.message}`);
      return;
    }
  }
  const device = await getMeta('device');
  if (!device) {
    show('not-enrolled', 'This screen is not enrolled. Open the enrolment link from the admin page.');
    return;
  }
  key = await getMeta('key');
  acked = (await getMeta('ackedSeq')) || 0;
  body.dataset.device = device;

  // The server's config wins (lines may have changed); the stored one keeps
  // the kiosk counting while the server is unreachable.
  const state = { config: await getMeta('config') };
  try {
    const res = await fetch(`/api/v1/devices/${encodeURIComponent(device)}/config`);
    if (res.ok) {
      state.config = await res.json();
      await putMeta({ config: state.config });
    }
  } catch { /* offline: keep the stored config */ }

  drain(db, { status: updateStatus, sign, post });

  let video;
  try {
    video = await openCamera();
  } catch (e) {
    show('camera-denied', `No camera: ${e.message}. Allow camera access for this page and reload.`);
    return;
  }
  const err = go.init(JSON.stringify(state.config), device, video.videoWidth, video.videoHeight, Date.now());
  if (err instanceof Error) {
    show('error', `Cannot count with this configuration: ${err.message}`);
    return;
  }
  const left = await getMeta('tally');
  if (left) {
    const batch = go.restore(left);
    await (batch ? enqueue(batch, go.tally()) : putMeta({ tally: go.tally() }));
  }
  show('counting', '');
  count(go, video);
  if (new URLSearchParams(location.search).get('display') === '1') roomDisplay(state.config.room);
  setupControls(go, state);
  setInterval(() => {
    const batch = go.tick(Date.now());
    if (batch) enqueue(batch, go.tally());
  }, INTERVAL_CHECK_MS);
}

// Opening an enrolment link on a kiosk that is already open only changes the
// fragment: start over so the code is used.
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#enrol=')) location.reload();
});

// Two tabs counting the same camera would count everyone twice.
if (!navigator.locks) {
  show('error', 'This browser is too old for the kiosk (no Web Locks).');
} else {
  navigator.locks.request('lokaal-kiosk', { ifAvailable: true }, async (lock) => {
    if (!lock) {
      show('locked', 'Another tab is already counting on this device.');
      return;
    }
    try {
      await run();
    } catch (e) {
      show('error', `The kiosk stopped: ${e.message}`);
      return;
    }
    await new Promise(() => {}); // hold the lock for the page's lifetime
  });
}
