// Entry point of payment; filled in by its issue.
export {};
