import { test, expect } from '@playwright/test';
import http from 'node:http';

// A request refused before its body is read (here 401: no credentials)
// must leave the connection usable. workerd reset the next request on the
// same keep-alive connection every time until the handler drained such
// bodies (server/httpapi/limits.go): the ECONNRESET of issue 11, item 0.
test('a connection stays usable after a refused request with a body', async ({ baseURL }) => {
  const url = new URL(baseURL!);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string, path: string, body?: string) => new Promise<number>((resolve, reject) => {
    const r = http.request({
      host: url.hostname, port: url.port, method, path, agent,
      headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    r.on('error', reject);
    if (body) r.write(body);
    r.end();
  });
  try {
    for (const size of [10, 20_000]) {
      const body = JSON.stringify({ capacity: 1, note: 'x'.repeat(size) });
      for (let i = 0; i < 20; i++) {
        expect(await send('PUT', '/api/v1/rooms/hall', body)).toBe(401);
        expect(await send('GET', '/healthz')).toBe(200);
      }
    }
  } finally {
    agent.destroy();
  }
});
