// The echo predicate: which watch events only echo the controller's own writes. A
// reconcile that wrote an object already saw the API server's answer; requeueing
// the owner when the same version comes back through the watch would render and
// compare for nothing (for a controller that creates four children per object,
// half of all reconciles). The watch event may arrive
// before or after the answer, so events seen while a write is in flight are held
// until the answer tells whether they were its echo.

export class WriteEchoes {
  /** Objects being written → resourceVersions their watch delivered meanwhile. */
  readonly #inFlight = new Map<string, string[]>();
  /** Objects written → the resourceVersion of the answer, whose watch event is still to come. */
  readonly #answered = new Map<string, string>();

  /** A write of `key` starts. */
  begin(key: string): void {
    this.#inFlight.set(key, []);
  }

  /**
   * The write of `key` ended with `resourceVersion` (undefined when it failed).
   * Returns whether the watch delivered another version meanwhile: somebody else's
   * change, which the caller must reconcile again.
   */
  end(key: string, resourceVersion: string | undefined): boolean {
    const seen = this.#inFlight.get(key) ?? [];
    this.#inFlight.delete(key);
    if (resourceVersion !== undefined && !seen.includes(resourceVersion)) this.#answered.set(key, resourceVersion);
    return seen.some((version) => version !== resourceVersion);
  }

  /**
   * A watch event for `key`: true when it needs no reconcile on its account, being
   * the echo of an answered write, or held until the write in flight ends.
   */
  absorbs(key: string, resourceVersion: string | undefined): boolean {
    const held = this.#inFlight.get(key);
    if (held !== undefined) {
      if (resourceVersion !== undefined) held.push(resourceVersion);
      return resourceVersion !== undefined;
    }
    const answered = this.#answered.get(key);
    if (answered === undefined) return false;
    this.#answered.delete(key);
    return answered === resourceVersion;
  }

  /** Forget an object (deleted): no echo of it is expected any more. */
  forget(key: string): void {
    this.#answered.delete(key);
  }
}

/** The key of an object of `kind` (list items carry no kind, so the caller names it). */
export function echoKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}
