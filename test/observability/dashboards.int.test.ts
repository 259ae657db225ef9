// Dashboards proven on real data: every PromQL expression of every dashboard MetroX
// ships (the platform overview and the per-service dashboard the operator renders)
// returns data from a real Prometheus scraping the four services and the operator,
// after purchases and after the rare situations some panels exist for: a server
// error, a refused gRPC call, a poison message, a reconcile the API server refuses.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { services } from '../../charts/metrox.config.ts';
import { overviewDashboard } from '../../charts/src/platform/overview-dashboard.ts';
import { renderDashboard } from '../../operator/src/render/dashboard.ts';
import { serviceNames } from '../../scripts/local/fleet.ts';
import { endpoints } from '../support/endpoints.ts';
import { dashboardQueries, queriesWithoutData, type DashboardQuery } from './dashboard-queries.ts';
import { startTelemetryStack, type TelemetryStack } from './telemetry-stack.ts';
import { causeServerErrors, healthCheck, purchase, sendPoisonMessage } from './workload.ts';

let stack: TelemetryStack | undefined;
const running = (): TelemetryStack => {
  if (stack === undefined) throw new Error('the telemetry stack did not start');
  return stack;
};

beforeAll(async () => {
  stack = await startTelemetryStack({ refusedReconcile: true });
  const { fleet } = stack;
  const bought = [await purchase(fleet, 'upi'), await purchase(fleet, 'wallet')];
  for (const service of serviceNames) {
    expect(await healthCheck(fleet.grpcAddress(service))).toBe(0);
    expect(await healthCheck(fleet.grpcAddress(service), 'no.such.Service')).toBe(5); // NOT_FOUND
  }
  expect(Object.values(await causeServerErrors(fleet, bought[0]?.transactionId ?? ''))).toEqual(serviceNames.map(() => 500));
  await sendPoisonMessage(endpoints().AMQP_URL, fleet.queue('payment'));
}, 30 * 60_000);

afterAll(async () => {
  await stack?.close();
});

// The events each service declares in the charts, as the operator renders its dashboard from them.
const declaredEvents = (service: (typeof serviceNames)[number]) => ({
  publishes: services[service].events?.publishes ?? [],
  subscribes: services[service].events?.subscribes ?? [],
});

// Grafana's $__rate_interval for a 2 s scrape is 8 s; a minute keeps the events above in range however loaded the machine is.
const range = '1m';

it('every expression of the overview and per-service dashboards returns data from Prometheus', async () => {
  const queries: DashboardQuery[] = [
    ...dashboardQueries(overviewDashboard('prometheus') as Parameters<typeof dashboardQueries>[0]),
    ...serviceNames.flatMap((service) => dashboardQueries(renderDashboard(running().namespace, service, declaredEvents(service)) as Parameters<typeof dashboardQueries>[0])),
  ];
  expect(queries.length).toBeGreaterThan(20);
  await expect
    .poll(() => queriesWithoutData(queries, running().prometheus, range), { timeout: 45_000, interval: 2_000 })
    .toEqual([]);
}, 120_000);
