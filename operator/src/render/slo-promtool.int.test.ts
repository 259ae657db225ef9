// The rendered SLO rules, checked and unit-tested by Prometheus' own promtool: valid
// rule files, and on synthetic series the alerts fire and resolve when the workbook
// says they should. promtool comes with the Prometheus `npm run infra:up` installs.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { withDefaults } from '../api/defaults.ts';
import { renderSloRules, type AlertingRule, type RuleFile } from './slo.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'metrox-slo-rules-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const spec = withDefaults({ image: 'ghcr.io/metrox/payment:1.0.0', events: { subscribes: ['TransactionCreated'] } });
const rules = renderSloRules('shop', 'payment', spec.slo, spec.events.subscribes);

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(content, { lineWidth: 0 }));
  return path;
}

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: dir });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`, { cause: error });
  }
}

// One request a second at "payment", its latency always inside the threshold; from
// minute 60 to 80 a third of them fail. Series as the kit writes them.
const selector = 'namespace="shop", service="payment", http_request_method="GET", http_route="/payments/:id"';
function requests(status: string, values: string) {
  return [
    { series: `http_server_request_duration_seconds_count{${selector}, http_response_status_code="${status}"}`, values },
    { series: `http_server_request_duration_seconds_bucket{${selector}, http_response_status_code="${status}", le="0.5"}`, values },
  ];
}
const inputSeries = [
  ...requests('200', '0+40x300'),
  ...requests('500', '0x60 20+20x19 400x220'),
  // Consumed events, none dead-lettered.
  { series: 'metrox_events_consumed_total{namespace="shop", service="payment", type="TransactionCreated", outcome="processed"}', values: '0+60x300' },
];

const alertsOf = (file: RuleFile) => file.groups.flatMap((g) => g.rules).filter((r): r is AlertingRule => 'alert' in r);

/** The alerts of one SLO firing at a time, by (long window, short window), as promtool expects them. */
function expectedAlerts(slo: string, pairs: [string, string][]) {
  return alertsOf(rules)
    .filter((a) => a.labels.slo === slo && pairs.some(([long, short]) => a.labels.long_window === long && a.labels.short_window === short))
    .map((a) => ({ exp_labels: { ...a.labels, namespace: 'shop', service: 'payment' }, exp_annotations: a.annotations }));
}

describe('the rendered SLO rules under promtool', () => {
  it('pass promtool check rules', async () => {
    const output = await promtool('check', 'rules', write('rules.yaml', rules));
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fire the 1h/5m page within minutes of a 33 % error ratio and resolve it once the errors are 5 minutes old; slower pairs follow their windows', async () => {
    const rulesPath = write('rules.yaml', rules);
    const test = {
      rule_files: [rulesPath],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: inputSeries,
          alert_rule_test: [
            // Before the fault: nothing fires.
            { eval_time: '55m', alertname: 'MetroXErrorBudgetBurn', exp_alerts: [] },
            // Ten minutes in: every pair sees it.
            { eval_time: '70m', alertname: 'MetroXErrorBudgetBurn', exp_alerts: expectedAlerts('availability', [['1h', '5m'], ['6h', '30m'], ['1d', '2h'], ['3d', '6h']]) },
            // Ten minutes after: the 1h/5m page has resolved; the 6h/30m one still sees it in its 30m.
            { eval_time: '90m', alertname: 'MetroXErrorBudgetBurn', exp_alerts: expectedAlerts('availability', [['6h', '30m'], ['1d', '2h'], ['3d', '6h']]) },
            // Two hours after: only the 3d/6h ticket, whose 6h still holds the errors.
            { eval_time: '205m', alertname: 'MetroXErrorBudgetBurn', exp_alerts: expectedAlerts('availability', [['3d', '6h']]) },
          ],
          promql_expr_test: [
            {
              // A third of the requests fail (rounded: promtool compares floats exactly).
              expr: 'round(slo:sli_error:ratio_rate5m{slo="availability"}, 0.001)',
              eval_time: '75m',
              exp_samples: [{ labels: '{namespace="shop", service="payment", slo="availability"}', value: 0.333 }],
            },
            {
              expr: 'slo:sli_error:ratio_rate5m{slo=~"latency|events"}',
              eval_time: '75m',
              exp_samples: [
                { labels: 'slo:sli_error:ratio_rate5m{namespace="shop", service="payment", slo="latency"}', value: 0 },
                { labels: 'slo:sli_error:ratio_rate5m{namespace="shop", service="payment", slo="events"}', value: 0 },
              ],
            },
          ],
        },
      ],
    };
    const output = await promtool('test', 'rules', write('rules.test.yaml', test));
    expect(output).toContain('SUCCESS');
  }, 60_000);
});
