// The integration run's one control plane, as a suite reaches it: started once by
// global-control-plane.ts and shared by every suite, each in namespaces of its own
// (uniqueNamespace), so suites never see each other's objects and pass in any order.
import { CoreV1Api } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connectControlPlane, type ControlPlaneAccess } from './control-plane.ts';

/** What the global setup hands every suite. */
export interface SharedControlPlaneInfo {
  kubeconfigPath: string;
  /** The API server's audit log of writes. */
  auditLogPath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    metroxControlPlane: SharedControlPlaneInfo | undefined;
  }
}

/** The run's control plane; fails clearly outside the integration project. */
export function sharedControlPlane(): ControlPlaneAccess {
  const info = inject('metroxControlPlane');
  if (info === undefined) {
    throw new Error('no shared control plane: run this suite in the integration project (its global setup, test/support/global-control-plane.ts, starts it)');
  }
  return connectControlPlane(info.kubeconfigPath, info.auditLogPath);
}

/** A DNS label that no other suite (or earlier run of this one) uses: `prefix-` and 6 hex digits. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export interface TestNamespace {
  readonly name: string;
  /** Deletes it; with no namespace controller running, it stays Terminating until the control plane stops. */
  delete(): Promise<void>;
}

/** Creates a uniquely named namespace. */
export async function uniqueNamespace(cp: ControlPlaneAccess, prefix: string): Promise<TestNamespace> {
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { 'metrox.io/test-suite': prefix } } } });
  return {
    name,
    async delete() {
      await core.deleteNamespace({ name }).catch((error: unknown) => {
        if ((error as { code?: number }).code !== 404) throw error;
      });
    },
  };
}
