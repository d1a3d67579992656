/** Placeholder so the stack bundles; the completeness check's real handler replaces this file at merge. */
export async function handler(): Promise<void> {}
