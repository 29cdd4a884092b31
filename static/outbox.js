// The outbox the kiosk and the exam page share: promises over IndexedDB
// requests and transactions, base64 for keys and signatures, and the loop
// that signs and sends what waits in IndexedDB's 'queue', oldest first.
// Each page keeps its own database and says how to sign and post an item.

export function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

export const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));

// ---- The outbox: items wait in IndexedDB's 'queue' until acknowledged ----

export const MAX_BACKOFF_MS = 60 * 1000;
const IDLE_MS = 30 * 1000;

// wake cuts the outbox's idle wait short when something was queued.
let wakeUp = () => {};
export const wake = () => wakeUp();
const rest = (ms) => new Promise((resolve) => { wakeUp = resolve; setTimeout(resolve, ms); });

// permanent says whether the server will never take a body it refused: any
// 4xx but a timeout or a rate limit.
export const permanent = (status) => status >= 400 && status < 500 && status !== 408 && status !== 429;

// counts answers how many items wait in the queue and how many were set
// aside in 'dead'.
export async function counts(db) {
  const tx = db.transaction(['queue', 'dead']);
  const [queue, dead] = await Promise.all([request(tx.objectStore('queue').count()), request(tx.objectStore('dead').count())]);
  return { queue, dead };
}

// signQueued completes a queued item with its signature: env is what Go
// made for it after checking it (go.envelope), the exact bytes to sign and
// the body around the signature. Only the key is used here. Where Go
// refused it, dead(reason) sets the item aside.
export async function signQueued(db, item, { key, env, dead }) {
  if (env instanceof Error) return dead(env.message);
  item.body = await signEnvelope(key, env);
  const tx = db.transaction('queue', 'readwrite');
  tx.objectStore('queue').put(item);
  return done(tx);
}

// signEnvelope signs env.msg with key and returns the body Go built around
// the signature.
export async function signEnvelope(key, env) {
  return env.head + b64(await crypto.subtle.sign('Ed25519', key, env.msg)) + env.tail;
}

async function oldest(db) {
  const cursor = await request(db.transaction('queue').objectStore('queue').openCursor());
  return cursor ? cursor.value : null;
}

// drain runs for the page's lifetime, one item at a time and oldest first,
// so the server sees seqs in order: an unsigned item is signed, a signed one
// posted. post answers whether to go on at once (true) or to wait and send
// the same item again (false); waits double up to a minute.
export async function drain(db, { status, sign, post }) {
  let backoff = 1000;
  for (;;) {
    let ok = false;
    try {
      await status();
      const item = await oldest(db);
      if (!item) {
        await rest(IDLE_MS);
        continue;
      }
      ok = item.body ? await post(item) : (await sign(item), true);
    } catch (e) {
      console.error('outbox:', e);
    }
    if (ok) {
      backoff = 1000;
    } else {
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(2 * backoff, MAX_BACKOFF_MS);
    }
  }
}
