// Entry point of operator; filled in by its issue.
export {};
