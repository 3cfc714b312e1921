// The front door of the front end: source text -> AST and syntax diagnostics. Never throws.
import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { sortDiagnostics } from "../diagnostics/diagnostic.js";
import type { CallbackDecl, Program, Span, TopItem } from "./ast.js";
import { AstBuilder, LineMap } from "./build.js";
import { rulesParser, type ParseErrorInfo, type RulesParser } from "../../grammar/parser.js";
import { At, Callback, Every, LBrace, Let, Metrics, On, RBrace, rulesLexer, Then, When } from "../../grammar/tokens.js";

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
    return {
      program: { file: fileName, items: [], span: lines.span(0, source.length) },
      diagnostics: [
        {
          code: "CBC106",
          severity: "error",
          message: `internal error in the parser: ${reason}`,
          file: fileName,
          span: lines.span(0, 0),
          hint: "please report this input as a bug",
        },
      ],
    };
  }
}

function parseUnsafe(source: string, file: string, lines: LineMap): ParseResult {
  const lexed = rulesLexer.tokenize(source);
  const syntax: Diagnostic[] = [];
  for (const error of lexed.errors) {
    const text = source.slice(error.offset, error.offset + error.length);
    syntax.push({
      code: "CBC100",
      severity: "error",
      message: `unexpected character${text.length > 1 ? "s" : ""} \`${text}\``,
      file,
      span: lines.span(error.offset, error.offset + error.length),
      ...hintForCharacters(text),
    });
  }

  const builder = new AstBuilder(file, lines);
  const { items, chunkStarts } = parseStatements(lexed.tokens, builder, syntax, file, source.length, lines);

  // Unterminated strings and bad numbers are lexical: a parse error next to one is its echo.
  const isLexical = (d: Diagnostic): boolean => d.code === "CBC102" || d.code === "CBC105";
  const lexical = builder.diagnostics.filter(isLexical);
  const others = builder.diagnostics.filter((d) => !isLexical(d));
  const diagnostics = [...oneErrorPerStatement([...syntax, ...lexical], chunkStarts), ...others];
  const program: Program = { file, items, span: lines.span(0, source.length) };
  return { program, diagnostics: sortDiagnostics(diagnostics) };
}

/** Tokens that always begin a statement, a callback, or end a block. */
const statementStarters = new Set<TokenType>([Callback, Metrics, Let, On, Every, At, RBrace]);

/**
 * Where the statement that starts at `start` ends: at the next token that begins another one.
 * `when` begins a rule unless it is the condition of an `on`, `every` or `at` trigger.
 */
function statementEnd(tokens: IToken[], start: number): number {
  const first = tokens[start].tokenType;
  let awaitingCondition = first === On || first === Every || first === At;
  let i = start + 1;
  for (; i < tokens.length; i++) {
    const type = tokens[i].tokenType;
    if (statementStarters.has(type)) break;
    if (type === When) {
      if (!awaitingCondition) break;
      awaitingCondition = false;
    } else if (type === Then) {
      awaitingCondition = false;
    }
  }
  return i;
}

interface OpenBlock {
  callback: CallbackDecl;
  keyword: IToken;
}

/**
 * The file, one statement at a time: each statement's tokens are parsed from the grammar's
 * `statement` rule and built at once, so a parse error stays inside its statement and the
 * concrete tree of one statement is garbage before the next is parsed (a 10,000-rule file
 * would otherwise hold every CST node at once).
 */
function parseStatements(
  tokens: IToken[],
  builder: AstBuilder,
  syntax: Diagnostic[],
  file: string,
  sourceLength: number,
  lines: LineMap,
): { items: TopItem[]; chunkStarts: number[] } {
  const parser = rulesParser();
  const items: TopItem[] = [];
  const chunkStarts: number[] = [];
  let block: OpenBlock | undefined;

  const collectErrors = (): void => {
    for (const error of parser.errors) syntax.push(parseErrorDiagnostic(error, file, lines, sourceLength, parser));
  };
  const unclosed = (open: OpenBlock, found: IToken | undefined): void => {
    const at = found === undefined ? sourceLength : found.startOffset;
    const span = found === undefined ? lines.span(at, at) : builder.tokenSpan(found);
    syntax.push({
      code: "CBC101",
      severity: "error",
      message: `expected \`}\` to close the body of callback \`${open.callback.name.text}\`, found ${
        found === undefined ? "the end of the file" : `\`${found.image}\``
      }`,
      file,
      span,
      hint: `the body opened at line ${builder.tokenSpan(open.keyword).start.line}`,
    });
    open.callback.recovered = true;
  };

  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    chunkStarts.push(token.startOffset);
    if (token.tokenType === Callback) {
      if (block !== undefined) unclosed(block, token);
      block = undefined;
      let end = i + 1;
      while (end < tokens.length && tokens[end].tokenType !== LBrace && !statementStarters.has(tokens[end].tokenType) && tokens[end].tokenType !== When) end++;
      const hasBrace = end < tokens.length && tokens[end].tokenType === LBrace;
      if (hasBrace) end++;
      const cst = parser.parseChunk("callbackHead", tokens.slice(i, end), tokens[end], false);
      collectErrors();
      const callback = builder.callbackHead(cst);
      if (callback !== undefined) {
        items.push(callback);
        block = { callback, keyword: token };
      }
      i = end;
      continue;
    }
    if (token.tokenType === RBrace && block !== undefined) {
      const callback = block.callback;
      callback.span = { start: callback.span.start, end: builder.tokenSpan(token).end };
      block = undefined;
      i++;
      continue;
    }
    const end = statementEnd(tokens, i);
    const cst = parser.parseChunk("statement", tokens.slice(i, end), tokens[end], block !== undefined);
    collectErrors();
    const item = builder.statement(cst);
    if (item !== undefined) {
      if (block !== undefined) {
        block.callback.body.push(item);
        block.callback.span = { start: block.callback.span.start, end: item.span.end };
      } else {
        items.push(item);
      }
    }
    i = end;
  }
  if (block !== undefined) unclosed(block, undefined);
  return { items, chunkStarts };
}

function hintForCharacters(text: string): { hint?: string } {
  if (text.startsWith("&")) return { hint: "write `and`" };
  if (text.startsWith("!")) return { hint: "write `not`, or `!=` to compare" };
  if (text.startsWith("'")) return { hint: 'strings use double quotes: "..."' };
  if (text.startsWith(";")) return { hint: "no `;` needed: a rule ends where the next one starts" };
  if (text.startsWith("^")) return { hint: "write `**` for a power" };
  if (text.startsWith(".")) return { hint: "a number needs a digit after the point, as in `.5`" };
  if (/^[^\x00-\x7f]/.test(text)) {
    return { hint: "names use ASCII letters, digits and `_`; write other metric names in backquotes" };
  }
  return {};
}

function parseErrorDiagnostic(
  error: IRecognitionException,
  file: string,
  lines: LineMap,
  sourceLength: number,
  parser: RulesParser,
): Diagnostic {
  let info: ParseErrorInfo;
  try {
    info = JSON.parse(error.message) as ParseErrorInfo;
  } catch {
    info = { code: "CBC101", message: error.message };
  }
  return {
    code: info.code,
    severity: "error",
    message: info.message,
    file,
    span: errorSpan(error, lines, sourceLength, parser),
    ...(info.hint !== undefined ? { hint: info.hint } : {}),
  };
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
