// Who owns a shared external resource. Database, role and queue names come from
// the MetroXService's name (the API fixes that), so two namespaces can ask for the
// same one; each resource records its owner, `<namespace>/<name>`, and a service
// that finds another owner's mark reports the collision instead of sharing. Pure.

export class OwnedByAnotherService extends Error {
  readonly resource: string;
  readonly owner: string;
  constructor(resource: string, owner: string, requester: string, remedy: string) {
    super(`${resource} already belongs to MetroXService ${owner}; ${requester} cannot share it. ${remedy}`);
    this.name = 'OwnedByAnotherService';
    this.resource = resource;
    this.owner = owner;
  }
}

export function ownerOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

const commentPrefix = 'metrox.io/owner=';

/** The Postgres COMMENT that marks a database or role as a service's. */
export function ownerComment(owner: string): string {
  return `${commentPrefix}${owner}`;
}

/** The owner in a COMMENT, or undefined when it carries none (created before marks, or by hand). */
export function ownerFromComment(comment: string | null | undefined): string | undefined {
  if (comment?.startsWith(commentPrefix) !== true) return undefined;
  return comment.slice(commentPrefix.length);
}

/** Whether `owner` may use a resource marked with `recorded`: unmarked ones are claimed. */
export function mayUse(recorded: string | undefined, owner: string): boolean {
  return recorded === undefined || recorded === owner;
}
