// The `restricted` Pod Security Standard as building blocks: every Pod the charts
// declare takes its security contexts from here, so one place proves compliance.
import { k8s } from 'cdk8s-plus-28';

/** Pod-level: non-root with a fixed uid, volumes group-owned by it. */
export function restrictedPodSecurity(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level: no privilege escalation, no capabilities, read-only root. */
export function restrictedContainerSecurity(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}

export function resources(request: { cpu: string; memory: string }, memoryLimit: string): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(request.cpu), memory: k8s.Quantity.fromString(request.memory) },
    limits: { memory: k8s.Quantity.fromString(memoryLimit) },
  };
}

/** A writable scratch directory on a read-only root filesystem. */
export function scratchVolume(name: string, sizeLimit = '64Mi'): k8s.Volume {
  return { name, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } };
}

export function httpProbe(path: string, port: number | string, periodSeconds = 10): k8s.Probe {
  return {
    httpGet: { path, port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold: 3,
  };
}
