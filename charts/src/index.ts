// Entry point of charts; filled in by its issue.
export {};
