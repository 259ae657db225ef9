// Pure rendering: a MetroXService and the operator's configuration in, desired objects out.
export {};
