import { describe, expect, it } from 'vitest';
import { notificationSettingsFromEnv } from './settings.ts';

describe('notification settings', () => {
  it('defaults to the log provider only', () => {
    const settings = notificationSettingsFromEnv({});
    expect(settings.SMTP_URL).toBeUndefined();
    expect(settings.NOTIFICATION_FROM).toBe('tickets@metrox.local');
  });

  it('names the variable that is wrong', () => {
    expect(() => notificationSettingsFromEnv({ SMTP_URL: 'http://mail' })).toThrow('SMTP_URL');
    expect(() => notificationSettingsFromEnv({ NOTIFICATION_RETRY_MAX_MS: '-1' })).toThrow('NOTIFICATION_RETRY_MAX_MS');
  });
});
