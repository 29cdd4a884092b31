// lokaal: one room's occupancy against its capacity, polled from the
// public, read-only /api/v1/display (counts only, no login). /display shows
// it full screen; a kiosk opened with ?display=1 along the bottom of its
// own screen.

const POLL_MS = 2000;
// A reading older than this is stale: a screen must not look live while
// the server is unreachable.
const STALE_MS = 15_000;
export const ROOM_WORDS = { green: 'Welcome', amber: 'Almost full', red: 'Full' };

// watchRoom calls show with each reading ({room, occupancy, capacity,
// level, since, at, time_zone}) and stale with the error once no reading
// has come for STALE_MS (at once if none ever came).
export function watchRoom(room, show, stale) {
  let last = 0;
  const poll = async () => {
    try {
      const res = await fetch(`/api/v1/display?room=${encodeURIComponent(room)}`, { cache: 'no-store' });
      const d = await res.json();
      if (!res.ok) throw new Error(d.message || res.statusText);
      show(d);
      last = Date.now();
    } catch (e) {
      if (Date.now() - last > STALE_MS) stale(e);
    }
    setTimeout(poll, POLL_MS);
  };
  poll();
}
