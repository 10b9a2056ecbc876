/**
 * Keyset paging of the call list (newest first): the API gives each page the cursor of the next; going back needs
 * the cursors of the pages before, kept here as a stack. Page 1 has no cursor. Pure.
 */
export type KeysetState = { cursors: string[] };

export const firstPage: KeysetState = { cursors: [] };

/** The cursor of the page shown (undefined on page 1). */
export const currentCursor = (s: KeysetState): string | undefined => s.cursors.at(-1);

export const pageNumber = (s: KeysetState): number => s.cursors.length + 1;

/** Older calls: the page after the one shown (its `nextCursor`). */
export const older = (s: KeysetState, nextCursor: string): KeysetState => ({
  cursors: [...s.cursors, nextCursor],
});

/** Newer calls: back to the page before (page 1 stays page 1). */
export const newer = (s: KeysetState): KeysetState => ({ cursors: s.cursors.slice(0, -1) });
