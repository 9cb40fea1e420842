import { describe, expect, it } from 'vitest';
import { refusalOf } from './http';

const resp = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });

describe('refusals', () => {
  it("reads the server's error in either shape, Kazakh Latin transliterated", async () => {
    const a = await refusalOf(resp(403, { error: { code: 'eds_revoked', message: 'Сертификат отозван' } }), 'ru', 'x');
    expect([a.status, a.code, a.message]).toEqual([403, 'eds_revoked', 'Сертификат отозван']);
    const b = await refusalOf(resp(401, { code: 'sms_code_wrong', message: 'Код қате' }), 'kk-Latn', 'x');
    expect([b.code, b.message]).toEqual(['sms_code_wrong', 'Kod qate']);
  });
  it('keeps Retry-After and falls back when the body says nothing', async () => {
    const r = await refusalOf(resp(429, 'busy', { 'Retry-After': '42' }), 'en', 'The server cannot be reached');
    expect([r.code, r.message, r.retryAfter]).toEqual(['429', 'The server cannot be reached', 42]);
  });
});
