// Entry point of transaction; filled in by its issue.
export {};
