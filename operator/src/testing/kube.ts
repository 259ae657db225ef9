// Test helpers around a real API server: install the CRD, create MetroXServices,
// read the API server's error messages. Raw JSON throughout (CustomObjectsApi
// passes bodies through untouched).
import { CustomObjectsApi, EventsV1Api, type EventsV1Event, type KubeConfig } from '@kubernetes/client-node';
import { metroxServiceCrd } from '../api/crd.ts';
import { group, plural, version, type MetroXService } from '../api/metroxservice.ts';

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Installs the MetroXService CRD, or finds it installed (suites sharing a control plane each ask); resolves once it is served. */
export async function installCrd(kc: KubeConfig): Promise<void> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  await objects
    .createClusterCustomObject({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', body: metroxServiceCrd() })
    .catch((error: unknown) => {
      if ((error as { code?: number }).code !== 409) throw error;
    });
  await waitFor('the MetroXService CRD to be served', async () => {
    await objects.listClusterCustomObject({ group, version, plural });
    return true;
  });
}

export function mxsClient(kc: KubeConfig) {
  const objects = kc.makeApiClient(CustomObjectsApi);
  return {
    create: (namespace: string, body: object) =>
      objects.createNamespacedCustomObject({ group, version, namespace, plural, body }) as Promise<MetroXService>,
    get: (namespace: string, name: string) =>
      objects.getNamespacedCustomObject({ group, version, namespace, plural, name }) as Promise<MetroXService>,
    list: (namespace: string) =>
      objects.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<{ items: MetroXService[] }>,
    patch: (namespace: string, name: string, body: object) =>
      objects.patchNamespacedCustomObject({ group, version, namespace, plural, name, body }) as Promise<MetroXService>,
    delete: (namespace: string, name: string) =>
      objects.deleteNamespacedCustomObject({ group, version, namespace, plural, name }) as Promise<unknown>,
  };
}

/** The Events about one MetroXService, as `kubectl events --for mxs/<name>` lists them. */
export async function eventsAbout(kc: KubeConfig, namespace: string, name: string): Promise<EventsV1Event[]> {
  const list = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.regarding?.kind === 'MetroXService' && e.regarding.name === name);
}

/** A condition of a MetroXService's status, by type. */
export function conditionOf(mxs: MetroXService, type: string) {
  return mxs.status?.conditions?.find((c) => c.type === type);
}

/** The API server's message for a rejected request, or "accepted". */
export async function rejectionOf(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
    return { code: 0, message: 'accepted' };
  } catch (error) {
    const { code, body } = error as { code?: number; body?: unknown };
    const text = typeof body === 'string' ? body : JSON.stringify(body ?? {});
    return { code: code ?? -1, message: (JSON.parse(text) as { message?: string }).message ?? text };
  }
}
