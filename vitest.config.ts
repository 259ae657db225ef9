// Four test projects: unit (pure, fast), integration (real Postgres, broker,
// Prometheus, kube-apiserver), e2e (whole local cluster on KWOK nodes and running
// services), node (the platform as Pods on a real node, from our own images). The
// e2e and node projects each bring up their own kind of local cluster on the same
// ports, so scripts/run-tests.ts runs the node project in a vitest run of its own.
import { defineConfig } from 'vitest/config';

const shared = ['**/node_modules/**', '**/dist/**', '.metrox/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...shared, '**/*.int.test.ts', '**/*.e2e.test.ts', '**/*.node.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: shared,
          // One kube-apiserver for the whole run, shared by the suites (each in its own
          // namespaces); the few that stop it or change the whole cluster start their own.
          globalSetup: ['test/support/global-infra.ts', 'test/support/global-control-plane.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // Some files start a control plane of their own: keep the 2-core machine breathing.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: shared,
          globalSetup: ['test/support/global-infra.ts', 'test/support/global-cluster.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'node',
          include: ['**/*.node.test.ts'],
          exclude: shared,
          globalSetup: ['test/support/global-node.ts'],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
