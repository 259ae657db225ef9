// Entry point of notification; filled in by its issue.
export {};
