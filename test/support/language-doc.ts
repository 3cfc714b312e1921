// The language reference (docs/language.md) as the tests read it: its `rules` blocks are the examples
// every stage must handle. Read from the repository, so a clone tests with nothing beside it.
import { readFileSync } from "node:fs";

export const languageDoc = readFileSync(new URL("../../docs/language.md", import.meta.url), "utf8");

/** The fenced blocks marked `rules`, in document order (the grammar summary is a `text` block). */
export const languageExamples: string[] = [...languageDoc.matchAll(/```rules\n([\s\S]*?)```/g)].map((match) => match[1]);
