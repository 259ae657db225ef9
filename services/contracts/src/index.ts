// Entry point of contracts; filled in by its issue.
export {};
