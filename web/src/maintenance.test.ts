import { describe, expect, it } from 'vitest';
import { almatyTime, bannerText, type MaintenanceWindow } from './maintenance';

const w: MaintenanceWindow = {
  id: 1,
  starts_at: '2026-12-17T20:00:00Z',
  ends_at: '2026-12-18T04:00:00Z',
  current: false,
  message: { kk: 'Дерекқор жаңартылады', ru: 'Обновление базы данных', en: 'Database upgrade' },
};

describe('the maintenance banner', () => {
  it('gives times in Almaty (UTC+5)', () => {
    expect(almatyTime('2026-12-17T20:00:00Z')).toBe('18.12.2026 01:00');
    expect(almatyTime('2026-12-31T19:30:00Z')).toBe('01.01.2027 00:30');
  });
  it('announces a window to come in the user\'s language', () => {
    expect(bannerText(w, 'ru')).toBe('Плановые технические работы: 18.12.2026 01:00 – 18.12.2026 09:00 (время Алматы). Обновление базы данных');
    expect(bannerText(w, 'en')).toContain('Scheduled maintenance: 18.12.2026 01:00');
    expect(bannerText(w, 'kk')).toContain('Дерекқор жаңартылады');
    expect(bannerText(w, 'kk-Latn')).toContain('Derekqor jañartylady');
  });
  it('says the system is read-only during one', () => {
    const now = bannerText({ ...w, current: true }, 'en');
    expect(now).toBe('Maintenance under way: the system is read-only (until 18.12.2026 09:00, Almaty time). Database upgrade');
    expect(bannerText({ ...w, current: true }, 'ru')).toContain('только для чтения');
  });
});
