// The student API over the access token from the exam link's fragment
// (#access=TOKEN), which browsers never send to a server: it leaves a page
// only as a bearer header, never in a URL. The exam page and the rights
// page share it.
let token = '';
let watch = () => {};

// useToken sets the access token every call carries.
export const useToken = (t) => { token = t; };

// watchAnswers shows every answer to f (the exam page compares its Date
// header with the local clock, for clock_skew).
export const watchAnswers = (f) => { watch = f; };

// studentApi calls the student API. An answer that is not ok throws an
// Error with the server's message, its code and the HTTP status.
export async function studentApi(method, path, payload) {
  const headers = { Authorization: `Bearer ${token}` };
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
  watch(res);
  if (!res.ok) {
    const err = await res.json().catch(() => ({}));
    const e = new Error(err.message || `HTTP ${res.status}`);
    e.code = err.code;
    e.status = res.status;
    throw e;
  }
  return res;
}
