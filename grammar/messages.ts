// The parser's error messages: what to write instead, in the user's words. Chevrotain asks
// this provider for each message; the code, hint and did-you-mean of each go in a side
// table (see ParseErrorInfo) that src/syntax/parse.ts reads to build the diagnostic.
import { EOF, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import { closest } from "../src/util/suggest.js";
import {
  AddOp,
  AssignOp,
  BoundOp,
  CompareOp,
  Identifier,
  keywordOfToken,
  hardKeywordWords,
  LParen,
  MulOp,
  NumberLiteral,
  Plateau,
  QuotedName,
  StringLiteral,
  Tensorboard,
  To,
  type Keyword,
} from "./tokens.js";

/**
 * What the message provider knows of a parse error beyond its text. Chevrotain keeps only a
 * string per error, so the provider files this in the parser's side table (`MessageContext.record`),
 * keyed by the error's token and message, and parse.ts reads it back with `RulesParser.errorInfo`.
 */
export interface ParseErrorInfo {
  code: "CBC101" | "CBC104";
  message: string;
  hint?: string;
  /** For CBC104: the keyword the unknown word is taken to be (the driver retries with it). */
  suggestion?: Keyword;
}

const itemStartWords: Keyword[] = ["when", "on", "every", "at", "let", "metrics", "callback"];
/**
 * Words that may continue a statement where the parser expected something else (`then`, the
 * next statement): a name found there that resembles one of them is taken for it.
 */
const continuationWords: Keyword[] = [
  "and", "or", "is", "not", "plateau", "improves", "min_delta", "cooldown", "mode", "baseline", "from",
  "then", "when", "keep", "separator", "append", "of",
];

/** The continuation word a name misspells, if any; two-letter names only when swapped (`si`), so `lr` is a name. */
export function misspeltContinuation(word: string): Keyword | undefined {
  if (word.length >= 3) return closestKeyword(word, continuationWords);
  const swapped = word.length === 2 ? `${word[1]}${word[0]}` : "";
  return continuationWords.find((candidate) => candidate === swapped);
}

function describeFound(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  const image = token.image.length > 30 ? `${token.image.slice(0, 27)}...` : token.image;
  return `\`${image}\``;
}

const tokenDescriptions = new Map<TokenType, string>([
  [Identifier, "a name"],
  [NumberLiteral, "a number"],
  [StringLiteral, "a string in double quotes"],
  [QuotedName, "a backquoted name"],
  [AssignOp, "`=`, `+=`, `-=`, `*=` or `/=`"],
  [CompareOp, "a comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`)"],
  [BoundOp, "`<`, `<=`, `>` or `>=`"],
  [AddOp, "`+` or `-`"],
  [MulOp, "`*`, `/` or `%`"],
]);

function describeExpected(type: TokenType): string {
  const known = tokenDescriptions.get(type);
  if (known !== undefined) return known;
  const word = keywordOfToken.get(type);
  if (word !== undefined) return `\`${word}\``;
  return `\`${type.LABEL ?? type.name}\``;
}

/** Words from other languages that mean one of ours. */
const keywordAliases = new Map<string, Keyword>([
  ["float", "number"],
  ["double", "number"],
  ["integer", "int"],
  ["boolean", "bool"],
  ["str", "string"],
  ["function", "fn"],
  ["if", "when"],
  ["do", "then"],
  ["class", "callback"],
  ["var", "let"],
  ["const", "let"],
]);

const hardWords = new Set<string>(hardKeywordWords);

const actionWords = new Set(["stop", "restore", "save", "log", "tensorboard", "print", "call", "progress"]);

/**
 * Builds the final diagnostic for a parse error: a misspelled word where a keyword belongs
 * becomes CBC104 with a did-you-mean; everything else is CBC101 saying what was expected.
 */
function finish(
  expected: string,
  actual: IToken,
  previous: IToken | undefined,
  keywordCandidates: Keyword[],
  betweenStatements = false,
): ParseErrorInfo {
  const info: ParseErrorInfo = { code: "CBC101", message: `${expected}, found ${describeFound(actual)}` };
  const plainName = actual.tokenType === Identifier;
  if (plainName || tokenMatcher(actual, Identifier)) {
    const word = actual.image;
    const alias = keywordAliases.get(word.toLowerCase());
    // A plain name may misspell any keyword; a soft keyword only one that belongs here (`epoch` for `epochs`).
    const suggestion =
      (alias !== undefined && keywordCandidates.includes(alias) ? alias : undefined) ??
      closestKeyword(word, keywordCandidates) ??
      (plainName ? misspeltContinuation(word) : undefined);
    if (suggestion !== undefined) {
      info.code = "CBC104";
      info.message = plainName ? `unknown word \`${word}\`` : `\`${word}\` does not belong here`;
      info.hint = `did you mean \`${suggestion}\`?`;
      info.suggestion = suggestion;
      return info;
    }
  }
  const found = keywordOfToken.get(actual.tokenType);
  const previousWord = previous === undefined || previous.tokenType === EOF ? undefined : previous.image;
  if (found !== undefined && hardWords.has(found) && / name\b/.test(expected)) {
    info.hint = `\`${found}\` is a reserved word: choose another name`;
  } else if (betweenStatements && found !== undefined && actionWords.has(found) && previousWord !== undefined) {
    info.hint = "separate actions with `,`";
  } else if (actual.image === "=" && expected.endsWith("after the condition")) {
    info.hint = "compare with `==`";
  } else if (tokenMatcher(actual, CompareOp)) {
    info.hint = "comparisons do not chain: join them with `and`";
  } else if (actual.image === "|" && previousWord === "|") {
    info.hint = "write `or`";
  } else if (actual.image === "(" && previous !== undefined && actionWords.has(keywordOfToken.get(previous.tokenType) ?? "")) {
    info.hint = `actions take no parentheses: write \`${previousWord}\``;
  } else if (actual.image === "by" && previousWord === "improves") {
    info.hint = "write the least improvement as `min_delta`, e.g. `improves min_delta 0.01`";
  } else if (/^(train|epoch|batch)_(begin|end)$/.test(actual.image)) {
    info.hint = `write \`${actual.image.replace("_", " ")}\`, in two words`;
  } else if (previousWord === "%") {
    info.hint = "`%` is the remainder; write a percentage as a fraction, e.g. `0.9`";
  } else if (betweenStatements && actual.image === "lr" && previous === undefined) {
    info.hint = "an action needs a trigger first, e.g. `on train begin then ...` or `when loss > 1 then ...`";
  }
  return info;
}

function closestKeyword(word: string, candidates: Keyword[]): Keyword | undefined {
  const match = closest(word, candidates);
  return candidates.find((candidate) => candidate === match);
}

function wordsOf(types: Iterable<TokenType>): Keyword[] {
  const words: Keyword[] = [];
  for (const type of types) {
    const word = keywordOfToken.get(type);
    if (word !== undefined) words.push(word);
  }
  return words;
}

const expectedItem = "expected a rule (`when`, `on`, `every`, `at`), `let`, `metrics` or `callback`";
const expectedBlockItem = "expected a rule (`when`, `on`, `every`, `at`), `let`, `metrics` or `}`";

/** Where a rule stands when `then` is missing: right after its trigger, or after a `when` condition. */
export type Clause = "trigger" | "condition";

/** What the messages need to know of the parser's position beyond what Chevrotain passes, and where they file their info. */
export interface MessageContext {
  readonly clause: Clause;
  readonly inBlock: boolean;
  /** The token before this one in the input (Chevrotain's `previous` is wrong after a resync). */
  previousOf(token: IToken): IToken | undefined;
  /** The end of a statement's tokens is not the end of the file: this is the token that follows. */
  realToken(token: IToken): IToken;
  /** Files `info` for the error Chevrotain raises at `token`; returns the message Chevrotain keeps. */
  record(token: IToken, info: ParseErrorInfo): string;
}

/** Chevrotain's message provider: each message says what to write, its code and hint filed beside it. */
export class RulesErrorMessages implements IParserErrorMessageProvider {
  constructor(private readonly at: MessageContext) {}

  /** The error at `actual` (the token Chevrotain's exception will carry), described and filed. */
  private finish(expected: string, actual: IToken, previous: IToken | undefined, candidates: Keyword[], between = false): string {
    return this.at.record(actual, finish(expected, this.at.realToken(actual), previous, candidates, between));
  }

  private statementExpected(): { expected: string; words: Keyword[] } {
    return this.at.inBlock
      ? { expected: expectedBlockItem, words: itemStartWords.filter((w) => w !== "callback") }
      : { expected: expectedItem, words: itemStartWords };
  }

  buildMismatchTokenMessage(options: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }): string {
    const { expected, actual, previous, ruleName } = options;
    if (expected === EOF) {
      const { expected: phrase, words } = this.statementExpected();
      return this.finish(phrase, actual, this.at.previousOf(actual), words, true);
    }
    return this.finish(this.expectedPhrase(expected, previous, ruleName), actual, previous, wordsOf([expected]));
  }

  private expectedPhrase(expected: TokenType, previous: IToken, ruleName: string): string {
    const afterTrigger = this.at.clause === "trigger";
    const key = `${ruleName}:${expected.name}`;
    switch (key) {
      case "whenRule:ThenKw":
        return "expected `then` after the condition";
      case "onRule:ThenKw":
        return afterTrigger ? "expected `when` or `then` after the event" : "expected `then` after the condition";
      case "everyRule:ThenKw":
        return afterTrigger ? `expected \`when\` or \`then\` after \`every N ${previous.image}\`` : "expected `then` after the condition";
      case "atRule:ThenKw":
        return afterTrigger ? "expected `when` or `then` after `at epoch N`" : "expected `then` after the condition";
      case "atRule:EpochKw":
        return "expected `epoch` after `at` (as in `at epoch 30`)";
      case "predicateOption:EpochKw":
        return "expected `epoch` after `from` (as in `from epoch 5`)";
      case "callbackHead:Identifier":
        return "expected the callback's name after `callback`";
      case "callbackHead:LBrace":
        return "expected `{` to open the callback body";
      case "paramList:RParen":
        return "expected `,` or `)` after the parameter";
      case "param:Identifier":
        return "expected a parameter name";
      case "param:Colon":
        return "expected `:` and a type after the parameter name";
      case "paramType:LParen":
        return "expected `(` after `fn`";
      case "paramType:RParen":
        return "expected `,` or `)` in `fn(...)`";
      case "paramType:Identifier":
        return "expected an argument name in `fn(...)`";
      case "paramType:StringLiteral":
        return "expected a string after `|`";
      case "paramType:RBracket":
        return "expected `]` after `[` (a list type is written `number[]`)";
      case "paramRange:Comma":
        return "expected `,` between the two bounds of the range";
      case "letDecl:Identifier":
        return "expected the variable's name after `let`";
      case "letDecl:Assign":
        return "expected `=` after the variable's name";
      case "restoreAction:BestKw":
        return "expected `best weights` after `restore`";
      case "restoreAction:WeightsKw":
        return "expected `weights` after `restore best`";
      case "saveAction:ToKw":
        return `expected \`to\` after \`save ${previous.image}\``;
      case "logAction:ToKw":
        return "expected `to` after `log`";
      case "printAction:StringLiteral":
        return "expected the text, a string in double quotes, after `print`";
      case "callAction:Identifier":
        return "expected the hook's name after `call`";
      case "callArgs:RParen":
        return "expected `,` or `)` after the argument";
      case "primary:RParen":
        return "expected `)` to close the parenthesis";
      case "primary:RBracket":
        return "expected `,` or `]` to close the list";
      case "assignAction:AssignOp":
        return "expected `=`, `+=`, `-=`, `*=` or `/=` after the name";
      default:
        return `expected ${describeExpected(expected)}`;
    }
  }

  buildNotAllInputParsedMessage(options: { firstRedundant: IToken; ruleName: string }): string {
    const actual = options.firstRedundant;
    const { expected, words } = this.statementExpected();
    const previous = this.at.previousOf(actual);
    const info = finish(expected, this.at.realToken(actual), previous, words, true);
    // `save model to ckpt/best`: a path without quotes parses as a name up to the `/`.
    const beforePrevious = previous === undefined ? undefined : this.at.previousOf(previous);
    const pathWord = beforePrevious !== undefined && (beforePrevious.tokenType === To || beforePrevious.tokenType === Tensorboard);
    if (pathWord && previous !== undefined && tokenMatcher(previous, Identifier) && tokenMatcher(actual, MulOp)) {
      info.hint = `write the path as a string in double quotes, as in \`"${previous.image}${actual.image}..."\`; a bare name there must be a string param`;
    }
    return this.at.record(actual, info);
  }

  buildNoViableAltMessage(options: {
    expectedPathsPerAlt: TokenType[][][];
    actual: IToken[];
    previous: IToken;
    customUserDescription?: string;
    ruleName: string;
  }): string {
    if (options.ruleName === "statement") {
      const { expected, words } = this.statementExpected();
      return this.finish(expected, options.actual[0], this.at.previousOf(options.actual[0]), words, true);
    }
    const firsts = options.expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0]));
    let description = options.customUserDescription ?? [...new Set(firsts.map(describeExpected))].join(", ");
    const previous = options.previous;
    if (options.ruleName === "primary" && previous.tokenType !== EOF && !tokenMatcher(previous, LParen)) {
      description = previous.tokenType === Plateau ? "the patience (a number of epochs) after `plateau`" : `${description} after \`${previous.image}\``;
    }
    return this.finish(`expected ${description}`, options.actual[0], previous, wordsOf(firsts));
  }

  buildEarlyExitMessage(options: {
    expectedIterationPaths: TokenType[][];
    actual: IToken[];
    previous: IToken;
    customUserDescription?: string;
    ruleName: string;
  }): string {
    const firsts = options.expectedIterationPaths.map((path) => path[0]);
    const description =
      options.customUserDescription ?? [...new Set(firsts.map(describeExpected))].join(", ");
    return this.finish(`expected ${description}`, options.actual[0], options.previous, wordsOf(firsts));
  }
}
