// The front door of the front end: source text -> AST and syntax diagnostics. Never throws.
import { tokenMatcher, type IRecognitionException, type IToken, type TokenType } from "chevrotain";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { INTERNAL_ERROR_HINT, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { Reporter } from "../diagnostics/reporter.js";
import type { BlockItem, CallbackDecl, Program, Span, TopItem } from "./ast.js";
import { AstBuilder, LineMap } from "./build.js";
import { rulesParser, type ChunkRule, type ChunkTrees, type RulesParser } from "../../grammar/parser.js";
import {
  AssignOp,
  At,
  Batches,
  Begin,
  Call,
  Callback,
  End,
  Epochs,
  Every,
  Identifier,
  keywordTokens,
  LBrace,
  LParen,
  Let,
  Log,
  Metrics,
  On,
  Print,
  RParen,
  Progress,
  RBrace,
  Restore,
  rulesLexer,
  Save,
  Stop,
  StringLiteral,
  Tensorboard,
  Then,
  To,
  When,
  type Keyword,
} from "../../grammar/tokens.js";

export interface ParseResult {
  program: Program;
  diagnostics: Diagnostic[];
}

export function parse(source: string, fileName: string): ParseResult {
  const lines = new LineMap(source);
  try {
    return parseUnsafe(source, fileName, lines);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const reporter = new Reporter(fileName);
    reporter.report("CBC106", lines.span(0, 0), `internal error in the parser: ${reason}`, INTERNAL_ERROR_HINT);
    return { program: { file: fileName, items: [], span: lines.span(0, source.length) }, diagnostics: reporter.diagnostics };
  }
}

function parseUnsafe(source: string, file: string, lines: LineMap): ParseResult {
  const lexed = rulesLexer.tokenize(source);
  const syntax = new Reporter(file);
  for (const error of lexed.errors) {
    const text = source.slice(error.offset, error.offset + error.length);
    const message = `unexpected character${text.length > 1 ? "s" : ""} \`${text}\``;
    syntax.report("CBC100", lines.span(error.offset, error.offset + error.length), message, hintForCharacters(text));
  }

  const builder = new AstBuilder(file, lines);
  const driver = new StatementDriver(lexed.tokens, builder, syntax, lines, source.length);
  driver.run();

  // Unterminated strings and bad numbers are lexical: a parse error next to one is its echo.
  const isLexical = (d: Diagnostic): boolean => d.code === "CBC102" || d.code === "CBC105";
  const lexical = builder.diagnostics.filter(isLexical);
  const others = builder.diagnostics.filter((d) => !isLexical(d));
  const diagnostics = [...oneErrorPerStatement([...syntax.diagnostics, ...lexical], driver.starts), ...others];
  const program: Program = { file, items: driver.items, span: lines.span(0, source.length) };
  return { program, diagnostics: sortDiagnostics(diagnostics) };
}

/** Tokens that always begin a statement, a callback, or end a block. */
const statementStarters = new Set<TokenType>([Callback, Metrics, Let, On, Every, At, RBrace]);

/** Tokens only actions have: after one, a `when` cannot be the condition of a trigger. */
const actionTokens = new Set<TokenType>([Stop, Restore, Save, Tensorboard, Print, Call]);

/** Tokens after which a `progress` in a trigger can only be the action (`then` misspelled or left out). */
const beforeProgressAction = new Set<TokenType>([Identifier, End, Begin, Epochs, Batches]);

/**
 * The soft keywords that begin an action, where they cannot be a name: `log to`, and
 * `progress` right after an event, a unit or a misspelled `then`.
 */
function startsSoftAction(tokens: IToken[], i: number): boolean {
  const type = tokens[i].tokenType;
  if (type === Log) return tokens[i + 1]?.tokenType === To;
  return type === Progress && i > 0 && beforeProgressAction.has(tokens[i - 1].tokenType);
}

/**
 * Where the statement that starts at `start` ends: at the next token that begins another one.
 * `when` begins a rule unless it is the condition of an `on`, `every` or `at` trigger, which
 * comes before `then` and before anything only actions have (when `then` is misspelled).
 */
function statementEnd(tokens: IToken[], start: number): number {
  const first = tokens[start].tokenType;
  let awaitingCondition = first === On || first === Every || first === At;
  let i = start + 1;
  for (; i < tokens.length; i++) {
    const token = tokens[i];
    const type = token.tokenType;
    if (statementStarters.has(type)) break;
    if (type === When) {
      if (!awaitingCondition) break;
      awaitingCondition = false;
    } else if (
      type === Then ||
      actionTokens.has(type) ||
      tokenMatcher(token, AssignOp) ||
      tokenMatcher(token, StringLiteral) ||
      startsSoftAction(tokens, i)
    ) {
      awaitingCondition = false;
    }
  }
  return i;
}

interface OpenBlock {
  callback: CallbackDecl;
  keyword: IToken;
  /** The `{` that opens the body, when the head has one. */
  brace?: IToken;
  /** Opened by a head that did not parse: its params are unknown, so its rules are recovered. */
  phantom?: boolean;
}

/**
 * The file, one statement at a time: each statement's tokens are parsed from the grammar's
 * `statement` rule (or `callbackHead`) and built at once. A parse error stays inside its
 * statement, and the concrete tree of one statement is garbage before the next is parsed (a
 * 10,000-rule file would otherwise hold every CST node at once).
 */
class StatementDriver {
  readonly items: TopItem[] = [];
  /** Offsets where statements begin, for one-error-per-statement. */
  readonly starts: number[] = [];
  private readonly parser = rulesParser();
  private block: OpenBlock | undefined;

  constructor(
    private readonly tokens: IToken[],
    private readonly builder: AstBuilder,
    private readonly syntax: Reporter,
    private readonly lines: LineMap,
    private readonly sourceLength: number,
  ) {}

  run(): void {
    let i = 0;
    while (i < this.tokens.length) {
      this.starts.push(this.tokens[i].startOffset);
      let next: number;
      try {
        next = this.step(i);
      } catch (error) {
        // Stack exhaustion on absurd nesting, or a bug: lose this statement, keep the others.
        this.internalError(this.tokens[i], error);
        next = statementEnd(this.tokens, i);
      }
      // A step may stay put once, after reading a misspelled `callback` as `callback`.
      i = next === i && this.tokens[i].tokenType !== Callback ? i + 1 : next;
    }
    if (this.block !== undefined) this.unclosed(this.block, undefined);
  }

  /** Handles what starts at token `i`; returns where the next statement starts. */
  private step(i: number): number {
    const token = this.tokens[i];
    if (token.tokenType === Callback) return this.callbackHead(i);
    if (token.tokenType === RBrace && this.block !== undefined) {
      const callback = this.block.callback;
      callback.span = { start: callback.span.start, end: this.builder.tokenSpan(token).end };
      this.block = undefined;
      return i + 1;
    }
    return this.statement(i);
  }

  private callbackHead(i: number): number {
    const tokens = this.tokens;
    if (this.block !== undefined) this.unclosed(this.block, tokens[i]);
    this.block = undefined;
    let end = i + 1;
    while (end < tokens.length && tokens[end].tokenType !== LBrace && !statementStarters.has(tokens[end].tokenType) && tokens[end].tokenType !== When) {
      end++;
    }
    if (end < tokens.length && tokens[end].tokenType === LBrace) end++;
    const chunk = tokens.slice(i, end);
    let cst = this.parser.parseChunk("callbackHead", chunk, tokens[end], false);
    const errors = this.collectErrors();
    if (errors.length > 0) cst = repaired(this.parser, "callbackHead", chunk, tokens[end], false, errors) ?? cst;
    const callback = this.builder.callbackHead(cst);
    if (callback !== undefined && chunk.length > MAX_NESTING) {
      // A param whose default or range nests too deeply keeps its name (the body may use it) and loses the rest.
      for (const param of callback.params) {
        const paramTokens = chunk.filter((token) => token.startOffset >= param.span.start.offset && token.startOffset < param.span.end.offset);
        if (nestingLevels(param, paramTokens) <= MAX_NESTING) continue;
        this.tooDeep(chunk.find((token) => token.startOffset >= param.span.start.offset) ?? tokens[i]);
        delete param.default;
        delete param.range;
        callback.recovered = true;
      }
    }
    if (callback !== undefined) {
      this.items.push(callback);
      const brace = tokens[end - 1]?.tokenType === LBrace ? tokens[end - 1] : undefined;
      this.block = brace === undefined ? { callback, keyword: tokens[i] } : { callback, keyword: tokens[i], brace };
    }
    return end;
  }

  private statement(i: number): number {
    const tokens = this.tokens;
    const end = statementEnd(tokens, i);
    const inBlock = this.block !== undefined;
    const chunk = tokens.slice(i, end);
    let cst = this.parser.parseChunk("statement", chunk, tokens[end], inBlock);
    const errors = this.collectErrors();
    let next = end;
    let headless: { first: IToken; brace: IToken } | undefined;
    if (errors.length > 0) {
      const first = errors[0];
      const info = this.parser.errorInfo(first);
      const at = chunk.indexOf(first.token);
      const braceAfter = (from: number): number => chunk.findIndex((t, index) => index > from && t.tokenType === LBrace);
      if (first.name === "NotAllInputParsedException" && at > 0) {
        // The statement ended early: a misspelled `when` (or other starter) begins the next one.
        if (info.suggestion !== undefined && startWords.has(info.suggestion)) {
          next = i + at;
          tokens[next] = retyped(tokens[next], info.suggestion);
        } else if (!inBlock && braceAfter(at) > 0) {
          headless = { first: chunk[at], brace: chunk[braceAfter(at)] };
        }
      } else if (at === 0 && info.suggestion === "callback") {
        tokens[i] = retyped(tokens[i], "callback");
        return i;
      } else {
        const repair = repaired(this.parser, "statement", chunk, tokens[end], inBlock, errors);
        if (repair !== undefined) cst = repair;
        else if (at === 0 && !inBlock && braceAfter(0) > 0) headless = { first: chunk[0], brace: chunk[braceAfter(0)] };
      }
    }
    const item = this.builder.statement(cst);
    // Only a statement of more tokens than the limit can nest deeper than it.
    if (item !== undefined && chunk.length > MAX_NESTING && nestingLevels(item, chunk) > MAX_NESTING) {
      this.tooDeep(tokens[i]);
    } else if (item !== undefined) {
      this.add(item);
    }
    if (headless !== undefined) {
      // A callback head without `callback` (`Training(...) {`): its body is a block all the
      // same, so its `}` is no stray brace; its rules keep their place, marked recovered.
      const callback = phantomCallback(this.builder, headless.first, headless.brace);
      this.items.push(callback);
      this.block = { callback, keyword: headless.first, brace: headless.brace, phantom: true };
    }
    return next;
  }

  private add(item: BlockItem): void {
    const block = this.block;
    if (block === undefined) {
      this.items.push(item);
      return;
    }
    if (block.phantom === true) item.recovered = true;
    block.callback.body.push(item);
    block.callback.span = { start: block.callback.span.start, end: item.span.end };
  }

  private collectErrors(): IRecognitionException[] {
    const errors = this.parser.errors;
    for (const error of errors) {
      const info = this.parser.errorInfo(error);
      this.syntax.report(info.code, errorSpan(error, this.lines, this.sourceLength, this.parser), info.message, info.hint);
    }
    return errors;
  }

  private unclosed(open: OpenBlock, found: IToken | undefined): void {
    const name = open.callback.name.text;
    const body = name === "" ? "the callback" : `callback \`${name}\``;
    this.syntax.report(
      "CBC101",
      found === undefined ? this.lines.span(this.sourceLength, this.sourceLength) : this.builder.tokenSpan(found),
      `expected \`}\` to close the body of ${body}, found ${found === undefined ? "the end of the file" : `\`${found.image}\``}`,
      "add the `}` where the body ends",
      [{ message: `the body of ${body} opens here`, span: open.brace === undefined ? this.builder.tokenSpan(open.keyword) : this.builder.tokenSpan(open.brace) }],
    );
  }

  private internalError(token: IToken, error: unknown): void {
    if (error instanceof RangeError) {
      this.tooDeep(token);
      return;
    }
    this.syntax.report("CBC106", this.builder.tokenSpan(token), `internal error in the parser: ${String(error)}`, INTERNAL_ERROR_HINT);
  }

  /** The statement is dropped: what is left of it would be checked and emitted by recursive code, too deep for the stack. */
  private tooDeep(token: IToken): void {
    this.syntax.report(
      "CBC107",
      this.builder.tokenSpan(token),
      `this statement nests more than ${MAX_NESTING} levels deep`,
      `at most ${MAX_NESTING} levels of operators and function calls, or of parentheses; split the expression, for instance with a \`let\``,
    );
  }
}

/**
 * How deep an expression may nest: the operators and function calls on one path
 * (`a and b and c` is two, `-(-x)` two), or its parentheses (`((x))` is two),
 * whichever is deeper.
 * Everything downstream is recursive: the parser on parentheses (its stack ran
 * out at about 318), the checker and emitter, and tsc on the generated code (800
 * unary minus or a 990-term `and` chain overflowed it). 100 levels leaves each
 * of them room, whatever the mix, and no real rule comes near.
 */
export const MAX_NESTING = 100;

/** AST kinds that nest an expression one level deeper; leaves (names, literals) do not count. */
const NESTING_KINDS: ReadonlySet<string> = new Set(["unary", "binary", "call", "is", "plateau", "improves", "list"]);

/** The nesting of a statement: the deeper of its AST's operator levels and its tokens' parentheses. */
function nestingLevels(root: object, tokens: readonly IToken[]): number {
  let parens = 0;
  let deepestParens = 0;
  for (const token of tokens) {
    if (token.tokenType === LParen) deepestParens = Math.max(deepestParens, ++parens);
    else if (token.tokenType === RParen) parens--;
  }
  return Math.max(deepestParens, operatorLevels(root));
}

/** The most operator nodes on one path down the AST (which has no cycles), without recursion. */
function operatorLevels(root: object): number {
  let deepest = 0;
  const stack: Array<{ value: object; levels: number }> = [{ value: root, levels: 0 }];
  while (stack.length > 0) {
    const { value, levels } = stack.pop()!;
    const kind = (value as { kind?: unknown }).kind;
    // An action `call` is no expression, but counting it is harmless: nothing nests under it.
    const here = typeof kind === "string" && NESTING_KINDS.has(kind) ? levels + 1 : levels;
    if (here > deepest) deepest = here;
    for (const child of Object.values(value)) {
      if (typeof child === "object" && child !== null) stack.push({ value: child as object, levels: here });
    }
  }
  return deepest;
}

/** The nameless, recovered callback that holds the body of a head that did not parse. */
function phantomCallback(builder: AstBuilder, first: IToken, brace: IToken): CallbackDecl {
  const braceSpan = builder.tokenSpan(brace);
  return {
    kind: "callback",
    name: { text: "", span: { start: braceSpan.start, end: braceSpan.start } },
    params: [],
    body: [],
    span: { start: builder.tokenSpan(first).start, end: braceSpan.end },
    recovered: true,
  };
}

const startWords = new Set<Keyword>(["when", "on", "every", "at", "let", "metrics", "callback"]);

/** The token, read as the keyword it misspells. */
function retyped(token: IToken, word: Keyword): IToken {
  const type = keywordTokens.get(word) as TokenType;
  return { ...token, tokenType: type, tokenTypeIdx: type.tokenTypeIdx as number };
}

/**
 * For a better AST only (the diagnostics are already out): reads each misspelled keyword as
 * the keyword it resembles and parses again. The repair counts only if the statement then
 * parses without any error; otherwise the first, recovered, parse stands.
 */
function repaired<R extends ChunkRule>(
  parser: RulesParser,
  rule: R,
  chunk: IToken[],
  follower: IToken | undefined,
  inBlock: boolean,
  errors: IRecognitionException[],
): ChunkTrees[R] | undefined {
  let attempt = chunk;
  let firstError: IRecognitionException | undefined = errors[0];
  for (let tries = 0; tries < 3 && firstError !== undefined; tries++) {
    const { suggestion } = parser.errorInfo(firstError);
    const at = attempt.indexOf(firstError.token);
    if (suggestion === undefined || at < 0) return undefined;
    attempt = attempt.slice();
    attempt[at] = retyped(attempt[at], suggestion);
    const cst = parser.parseChunk(rule, attempt, follower, inBlock);
    if (parser.errors.length === 0) return cst;
    firstError = parser.errors[0];
  }
  return undefined;
}

function hintForCharacters(text: string): string | undefined {
  if (text.startsWith("&")) return "write `and`";
  if (text.startsWith("!")) return "write `not`, or `!=` to compare";
  if (text.startsWith("'")) return 'strings use double quotes: "..."';
  if (text.startsWith(";")) return "no `;` needed: a rule ends where the next one starts";
  if (text.startsWith("^")) return "write `**` for a power";
  if (text.startsWith(".")) return "a number needs a digit after the point, as in `.5`";
  if (/^[^\x00-\x7f]/.test(text)) return "names use ASCII letters, digits and `_`; write other metric names in backquotes";
  return undefined;
}

/**
 * The offending token; at the end of a statement, the token after it; at the end of the file,
 * the point just after the last token.
 */
function errorSpan(error: IRecognitionException, lines: LineMap, sourceLength: number, parser: RulesParser): Span {
  const token = parser.realToken(error.token);
  if (Number.isFinite(token.startOffset)) return lines.span(token.startOffset, token.startOffset + token.image.length);
  const previous = (error as IRecognitionException & { previousToken?: IToken }).previousToken;
  const at = previous !== undefined && Number.isFinite(previous.startOffset) ? previous.startOffset + previous.image.length : sourceLength;
  return lines.span(at, at);
}

/**
 * Keeps the first lexing or parsing error of each statement: what follows an error in the
 * same statement is most often its echo, and one typo must give one diagnostic.
 */
function oneErrorPerStatement(diagnostics: Diagnostic[], starts: number[]): Diagnostic[] {
  if (diagnostics.length <= 1) return diagnostics;
  const statementOf = (offset: number): number => {
    let lo = -1;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const seen = new Set<number>();
  const kept: Diagnostic[] = [];
  const ordered = [...diagnostics].sort((a, b) => a.span.start.offset - b.span.start.offset);
  for (const diagnostic of ordered) {
    const statement = statementOf(diagnostic.span.start.offset);
    if (seen.has(statement)) continue;
    seen.add(statement);
    kept.push(diagnostic);
  }
  return kept;
}
