// Token types and the lexer of the rules language (Chevrotain).
import { createToken, Lexer, type TokenType } from "chevrotain";

/** Plain names; soft keywords belong to this category, so they are accepted wherever a name is. */
export const Identifier = createToken({ name: "Identifier", label: "name", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

// ---------------------------------------------------------------- keywords

/** Reserved words: never a name. */
export const hardKeywordWords = [
  "when", "then", "on", "every", "at", "let", "callback", "metrics", "and", "or", "not", "is",
  "plateau", "improves", "stop", "restore", "save", "tensorboard", "print", "call", "true", "false",
] as const;

/** Words with a meaning in some places that are still names everywhere else (`mode`, `log`, `epoch`, ...). */
export const softKeywordWords = [
  "log", "to", "model", "weights", "best", "of", "keep", "separator", "append", "mode", "min_delta",
  "cooldown", "baseline", "from", "epoch", "epochs", "batch", "batches", "train", "begin", "end", "in",
  "fn", "int", "number", "bool", "string", "metric", "nan", "inf", "finite", "progress", "fail",
] as const;

export type HardKeyword = (typeof hardKeywordWords)[number];
export type SoftKeyword = (typeof softKeywordWords)[number];
export type Keyword = HardKeyword | SoftKeyword;

function tokenName(word: string): string {
  return word
    .split("_")
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("") + "Kw";
}

/** Keyword token types by word. */
export const keywordTokens = new Map<Keyword, TokenType>();
/** The word of each keyword token type. */
export const keywordOfToken = new Map<TokenType, Keyword>();

function keyword(word: Keyword, soft: boolean): TokenType {
  const type = createToken({
    name: tokenName(word),
    label: word,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    ...(soft ? { categories: [Identifier] } : {}),
  });
  keywordTokens.set(word, type);
  keywordOfToken.set(type, word);
  return type;
}

for (const word of hardKeywordWords) keyword(word, false);
for (const word of softKeywordWords) keyword(word, true);

function kw(word: Keyword): TokenType {
  const type = keywordTokens.get(word);
  if (type === undefined) throw new Error(`no keyword ${word}`);
  return type;
}

export const When = kw("when");
export const Then = kw("then");
export const On = kw("on");
export const Every = kw("every");
export const At = kw("at");
export const Let = kw("let");
export const Callback = kw("callback");
export const Metrics = kw("metrics");
export const And = kw("and");
export const Or = kw("or");
export const Not = kw("not");
export const Is = kw("is");
export const Plateau = kw("plateau");
export const Improves = kw("improves");
export const Stop = kw("stop");
export const Restore = kw("restore");
export const Save = kw("save");
export const Tensorboard = kw("tensorboard");
export const Print = kw("print");
export const Call = kw("call");
export const True = kw("true");
export const False = kw("false");

export const Log = kw("log");
export const To = kw("to");
export const Model = kw("model");
export const Weights = kw("weights");
export const Best = kw("best");
export const Of = kw("of");
export const Keep = kw("keep");
export const Separator = kw("separator");
export const Append = kw("append");
export const Mode = kw("mode");
export const MinDelta = kw("min_delta");
export const Cooldown = kw("cooldown");
export const Baseline = kw("baseline");
export const From = kw("from");
export const Epoch = kw("epoch");
export const Epochs = kw("epochs");
export const Batch = kw("batch");
export const Batches = kw("batches");
export const Train = kw("train");
export const Begin = kw("begin");
export const End = kw("end");
export const In = kw("in");
export const Fn = kw("fn");
export const Int = kw("int");
export const NumberKw = kw("number");
export const Bool = kw("bool");
export const StringKw = kw("string");
export const Metric = kw("metric");
export const Nan = kw("nan");
export const Inf = kw("inf");
export const Finite = kw("finite");
export const Progress = kw("progress");
export const Fail = kw("fail");

// ---------------------------------------------------------------- literals

/**
 * Numbers and durations, and anything that starts like a number (`10x`, `1e`): one token, so
 * that a bad number is one diagnostic (CBC105, from the AST builder) and not a parse cascade.
 */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  label: "number",
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z0-9_.]*/,
});

/** Category of complete and unterminated strings: the parser accepts both, the builder reports the latter. */
export const StringLiteral = createToken({ name: "StringLiteral", label: "string", pattern: Lexer.NA });
export const ClosedString = createToken({
  name: "ClosedString",
  label: "string",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  categories: [StringLiteral],
});
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  label: "string",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringLiteral],
});

/** `` `output_1/val_loss` ``: a metric name that is not an identifier. */
export const QuotedName = createToken({ name: "QuotedName", label: "`name`", pattern: Lexer.NA });
export const ClosedQuotedName = createToken({
  name: "ClosedQuotedName",
  label: "`name`",
  pattern: /`[^`\r\n]*`/,
  categories: [QuotedName],
});
export const UnterminatedQuotedName = createToken({
  name: "UnterminatedQuotedName",
  label: "`name`",
  pattern: /`[^`\r\n]*/,
  categories: [QuotedName],
});

// ---------------------------------------------------------------- operators and punctuation

export const AssignOp = createToken({ name: "AssignOp", label: "= += -= *= /=", pattern: Lexer.NA });
export const CompareOp = createToken({ name: "CompareOp", label: "< <= > >= == !=", pattern: Lexer.NA });
/** The comparisons that may bound a param: `>= 0`. */
export const BoundOp = createToken({ name: "BoundOp", label: "< <= > >=", pattern: Lexer.NA });
export const AddOp = createToken({ name: "AddOp", label: "+ -", pattern: Lexer.NA });
export const MulOp = createToken({ name: "MulOp", label: "* / %", pattern: Lexer.NA });

export const PlusAssign = createToken({ name: "PlusAssign", label: "+=", pattern: /\+=/, categories: [AssignOp] });
export const MinusAssign = createToken({ name: "MinusAssign", label: "-=", pattern: /-=/, categories: [AssignOp] });
export const TimesAssign = createToken({ name: "TimesAssign", label: "*=", pattern: /\*=/, categories: [AssignOp] });
export const DivideAssign = createToken({ name: "DivideAssign", label: "/=", pattern: /\/=/, categories: [AssignOp] });
export const Equal = createToken({ name: "Equal", label: "==", pattern: /==/, categories: [CompareOp] });
export const NotEqual = createToken({ name: "NotEqual", label: "!=", pattern: /!=/, categories: [CompareOp] });
export const LessEqual = createToken({ name: "LessEqual", label: "<=", pattern: /<=/, categories: [CompareOp, BoundOp] });
export const GreaterEqual = createToken({ name: "GreaterEqual", label: ">=", pattern: />=/, categories: [CompareOp, BoundOp] });
export const Less = createToken({ name: "Less", label: "<", pattern: /</, categories: [CompareOp, BoundOp] });
export const Greater = createToken({ name: "Greater", label: ">", pattern: />/, categories: [CompareOp, BoundOp] });
export const Assign = createToken({ name: "Assign", label: "=", pattern: /=/, categories: [AssignOp] });
export const Power = createToken({ name: "Power", label: "**", pattern: /\*\*/ });
export const Plus = createToken({ name: "Plus", label: "+", pattern: /\+/, categories: [AddOp] });
export const Minus = createToken({ name: "Minus", label: "-", pattern: /-/, categories: [AddOp] });
export const Times = createToken({ name: "Times", label: "*", pattern: /\*/, categories: [MulOp] });
export const Divide = createToken({ name: "Divide", label: "/", pattern: /\//, categories: [MulOp] });
export const Modulo = createToken({ name: "Modulo", label: "%", pattern: /%/, categories: [MulOp] });

export const LParen = createToken({ name: "LParen", label: "(", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", label: ")", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", label: "[", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", label: "]", pattern: /]/ });
export const LBrace = createToken({ name: "LBrace", label: "{", pattern: /{/ });
export const RBrace = createToken({ name: "RBrace", label: "}", pattern: /}/ });
export const Comma = createToken({ name: "Comma", label: ",", pattern: /,/ });
export const Colon = createToken({ name: "Colon", label: ":", pattern: /:/ });
export const Question = createToken({ name: "Question", label: "?", pattern: /\?/ });
export const Pipe = createToken({ name: "Pipe", label: "|", pattern: /\|/ });

export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED, line_breaks: true });

// Longer keywords first: `int` must not lex as `in` followed by `t`, nor `epochs` as `epoch`.
const keywordsLongestFirst = [...keywordTokens.entries()]
  .sort((a, b) => b[0].length - a[0].length || a[0].localeCompare(b[0]))
  .map(([, type]) => type);

/** Every token type, in the order the lexer tries them (first match wins). */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  NumberLiteral,
  ClosedString,
  UnterminatedString,
  ClosedQuotedName,
  UnterminatedQuotedName,
  ...keywordsLongestFirst,
  Identifier,
  PlusAssign,
  MinusAssign,
  TimesAssign,
  DivideAssign,
  Equal,
  NotEqual,
  LessEqual,
  GreaterEqual,
  Less,
  Greater,
  Assign,
  Power,
  Plus,
  Minus,
  Times,
  Divide,
  Modulo,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Question,
  Pipe,
  StringLiteral,
  QuotedName,
  AssignOp,
  CompareOp,
  BoundOp,
  AddOp,
  MulOp,
];

/** One lexer for the process: building it analyses every pattern, which is slow. */
export const rulesLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: true,
});
