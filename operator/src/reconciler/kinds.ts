// The kinds the MetroX operator reads and writes: the MetroXService and the
// built-in kinds of its children.
import { apiVersion, kind, plural } from '../api/metroxservice.ts';
import { builtinKinds, type ResourceKind } from '../runtime/resources.ts';

export const kinds = {
  MetroXService: { apiVersion, kind, plural },
  ...builtinKinds,
} as const satisfies Record<string, ResourceKind>;
