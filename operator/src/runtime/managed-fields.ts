// Moving a manager's fields from an "Update" managedFields entry (a plain create
// or update) to its "Apply" entry (server-side apply), as client-go's csaupgrade
// does for kubectl. Pure.

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldSet;
  subresource?: string;
}

/** FieldsV1: nested objects whose keys name fields ("f:spec"), list items ("k:{…}", "v:…") or the item itself ("."). */
export interface FieldSet {
  [key: string]: FieldSet;
}

export function unionFields(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = key in out ? unionFields(out[key] ?? {}, value) : value;
  return out;
}

/**
 * The managedFields with `manager`'s top-level "Update" entry folded into its
 * "Apply" entry (created when missing), or undefined when there is nothing to move.
 */
export function applyOwnership(entries: ManagedFieldsEntry[], manager: string): ManagedFieldsEntry[] | undefined {
  const isOurs = (e: ManagedFieldsEntry, operation: string) => e.manager === manager && e.operation === operation && (e.subresource ?? '') === '';
  const update = entries.find((e) => isOurs(e, 'Update'));
  if (update === undefined) return undefined;
  const apply = entries.find((e) => isOurs(e, 'Apply'));
  // Field sets are per API version: fold only within the same one, else keep the Update entry's version.
  const merged: ManagedFieldsEntry = apply !== undefined && apply.apiVersion === update.apiVersion
    ? { ...apply, fieldsV1: unionFields(apply.fieldsV1 ?? {}, update.fieldsV1 ?? {}) }
    : { ...update, operation: 'Apply' };
  const rest = entries.filter((e) => e !== update && (e !== apply || merged.apiVersion !== apply.apiVersion));
  return [...rest, merged];
}
