// The Kubernetes Event for a condition transition (events.k8s.io/v1). Pure.
import { apiVersion, kind, type Condition, type MetroXService } from '../api/metroxservice.ts';

/** The reportingController of the operator's Events. */
export const eventController = 'metrox.io/operator';

/** Longest object name the API server accepts (an RFC 1123 subdomain). */
const maxNameLength = 253;

/**
 * A name for the Event, as client-go's recorder gives one: the object's name, a dot
 * and the time in hex nanoseconds. `sequence` tells apart Events of the same
 * millisecond. (A generateName ending in "." is refused by current API servers.)
 */
export function eventName(regarding: string, at: Date, sequence: number): string {
  const nanoseconds = BigInt(at.getTime()) * 1_000_000n + BigInt(sequence % 1_000_000);
  const suffix = `.${nanoseconds.toString(16)}`;
  // Cut short, a name must still end in a letter or digit.
  return `${regarding.slice(0, maxNameLength - suffix.length).replace(/[^a-z0-9]+$/, '')}${suffix}`;
}

/** The API server caps an Event's note at 1 KiB (bytes, not characters). */
const maxNoteBytes = 1024;

function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  // A multi-byte character split at the cut decodes as U+FFFD: drop what is left of it.
  while (Buffer.byteLength(cut) > maxBytes || cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}

/** RFC 3339 with microseconds: the MicroTime the API expects in eventTime. */
function microTime(at: Date): string {
  return at.toISOString().replace('Z', '000Z');
}

/** The Event for condition `c` of `mxs`, reported by operator process `instance`. */
export function transitionEvent(mxs: MetroXService, c: Condition, instance: string, at: Date, sequence: number) {
  const { namespace = 'default', name } = mxs.metadata;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventName(name, at, sequence), namespace },
    eventTime: microTime(at),
    reportingController: eventController,
    reportingInstance: instance.slice(0, 128),
    action: 'Reconcile',
    reason: c.reason,
    note: truncateBytes(`${c.type}=${c.status}: ${c.message}`, maxNoteBytes),
    type: c.status === 'False' ? 'Warning' : 'Normal',
    regarding: { apiVersion, kind, name, namespace, uid: mxs.metadata.uid },
  };
}
