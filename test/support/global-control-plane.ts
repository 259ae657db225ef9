// Vitest global setup of the integration project: one etcd + kube-apiserver for the
// whole run, handed to every suite (sharedControlPlane()); each suite isolates itself
// in namespaces of its own. Starting one costs seconds of the two cores' time, so
// one per run rather than one per file. The API server keeps an audit log of writes,
// so a suite can count the writes made in its own namespaces while others run.
import type { TestProject } from 'vitest/node';
import { startControlPlane, writeVerbs } from './control-plane.ts';
import type { SharedControlPlaneInfo } from './shared-control-plane.ts';

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cp = await startControlPlane({ audit: { verbs: writeVerbs } });
  if (cp.auditLogPath === undefined) throw new Error('the shared control plane was started without its audit log');
  const info: SharedControlPlaneInfo = { kubeconfigPath: cp.kubeconfigPath, auditLogPath: cp.auditLogPath };
  project.provide('metroxControlPlane', info);
  return () => cp.stop();
}

