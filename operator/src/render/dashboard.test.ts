import { describe, expect, it } from 'vitest';
import { renderDashboard } from './dashboard.ts';

const panelTitles = (dashboard: ReturnType<typeof renderDashboard>) =>
  (dashboard.panels ?? []).map((panel) => (panel as { title?: string }).title);

describe('a service dashboard', () => {
  it('shows only the event panels its declared events can fill', () => {
    const consumerOnly = panelTitles(renderDashboard('metrox', 'operations', { publishes: [], subscribes: ['PaymentConfirmed'] }));
    expect(consumerOnly).toContain('Events consumed / s by outcome');
    expect(consumerOnly).toContain('Consumer lag p99');
    expect(consumerOnly).toContain('Events');
    expect(consumerOnly).not.toContain('Events published / s');

    const publisherOnly = panelTitles(renderDashboard('metrox', 'ticker', { publishes: ['TransactionCreated'], subscribes: [] }));
    expect(publisherOnly).toContain('Events published / s');
    expect(publisherOnly).not.toContain('Consumer lag p99');
  });

  it('shows the requests admission control shed and the requests in flight, for every service', () => {
    const titles = panelTitles(renderDashboard('metrox', 'quiet', { publishes: [], subscribes: [] }));
    expect(titles).toContain('Admission control');
    expect(titles).toContain('HTTP requests shed / s (503 overloaded) by reason');
    expect(titles).toContain('HTTP requests in flight');
  });

  it('has no events row for a service without events', () => {
    const titles = panelTitles(renderDashboard('metrox', 'quiet', { publishes: [], subscribes: [] }));
    expect(titles).not.toContain('Events');
    expect(titles).toContain('Outbox backlog');
  });
});
