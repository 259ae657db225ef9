// The SLO rules of services run as local processes, as the operator renders them for
// MetroXServices on a cluster: one rule file per namespace label in the local
// Prometheus' rules folder, loaded by POST /-/reload. Used by `npm run local` and the
// tests, so both watch the alerts a cluster would raise.
import { renameSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { withDefaults } from '../../operator/src/api/defaults.ts';
import type { MetroXServiceSpecInput } from '../../operator/src/api/metroxservice.ts';
import { renderSloRules, type RuleFile } from '../../operator/src/render/slo.ts';
import { services as declared } from '../../charts/metrox.config.ts';
import { serviceNames } from './fleet.ts';

export interface LocalSloService {
  name: string;
  /** What the service's MetroXService would say of SLOs and events (defaults otherwise). */
  spec?: Pick<MetroXServiceSpecInput, 'slo' | 'events'>;
}

/** The four MetroX services with the events their MetroXServices declare (the event SLO follows them). */
export function fleetSloServices(): LocalSloService[] {
  return serviceNames.map((name) => ({ name, spec: { events: declared[name].events } }));
}

/** Pure: every service's rule groups in one file. */
export function localSloRules(namespace: string, services: readonly LocalSloService[]): RuleFile {
  return {
    groups: services.flatMap(({ name, spec = {} }) => {
      const defaulted = withDefaults({ image: 'local', ...spec });
      return renderSloRules(namespace, name, defaulted.slo, defaulted.events.subscribes, defaulted.observability.metrics.path).groups;
    }),
  };
}

async function reload(prometheusUrl: string): Promise<void> {
  const response = await fetch(new URL('/-/reload', prometheusUrl), { method: 'POST', signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`Prometheus refused to reload its rules: ${String(response.status)} ${await response.text()}`);
}

/** Writes the rule file and reloads Prometheus; the returned function removes it again. */
export async function installSloRules(
  prometheus: { url: string; rulesDir: string },
  namespace: string,
  services: readonly LocalSloService[],
): Promise<() => Promise<void>> {
  if (prometheus.rulesDir === '') throw new Error('the local Prometheus has no rules folder (PROMETHEUS_RULES_DIR): run `npm run infra:up`');
  const file = join(prometheus.rulesDir, `slo-${namespace}.yaml`);
  // Written aside and renamed, so Prometheus never reads half a file.
  writeFileSync(`${file}.tmp`, stringify(localSloRules(namespace, services), { lineWidth: 0 }));
  renameSync(`${file}.tmp`, file);
  await reload(prometheus.url);
  return async () => {
    await rm(file, { force: true });
    await reload(prometheus.url);
  };
}
