// Entry point of cipher; filled in by its issue.
export {};
