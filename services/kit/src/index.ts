// Entry point of kit; filled in by its issue.
export {};
