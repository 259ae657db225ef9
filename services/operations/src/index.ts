// Entry point of operations; filled in by its issue.
export {};
