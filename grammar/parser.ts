// The grammar of the rules language: a Chevrotain CST parser with error recovery (its
// messages live in grammar/messages.ts), plus the railroad diagram of the grammar.
import {
  CstParser,
  EOF,
  createSyntaxDiagramsCode,
  generateCstDts,
  tokenMatcher,
  type CstNode,
  type IToken,
  type TokenType,
  type IRecognitionException,
} from "chevrotain";
import type { CallbackHeadCstNode, ProgramCstNode, StatementCstNode } from "./cst.js";
import { misspeltContinuation, RulesErrorMessages, type Clause, type MessageContext, type ParseErrorInfo } from "./messages.js";
import {
  AddOp,
  allTokens,
  Append,
  Assign,
  AssignOp,
  At,
  Baseline,
  Batch,
  Batches,
  Begin,
  Best,
  Bool,
  BoundOp,
  Call,
  Callback,
  Colon,
  Comma,
  CompareOp,
  Cooldown,
  End,
  Epoch,
  Epochs,
  Every,
  False,
  Finite,
  Fn,
  From,
  Identifier,
  Improves,
  In,
  Inf,
  Int,
  Is,
  Keep,
  LBrace,
  LBracket,
  Let,
  Log,
  LParen,
  Metric,
  Metrics,
  MinDelta,
  Mode,
  Model,
  MulOp,
  Nan,
  Not,
  NumberKw,
  NumberLiteral,
  Of,
  On,
  Or,
  And,
  Pipe,
  Plateau,
  Power,
  Print,
  Progress,
  QuotedName,
  Question,
  RBrace,
  RBracket,
  Restore,
  RParen,
  Save,
  Separator,
  Stop,
  StringKw,
  StringLiteral,
  Tensorboard,
  Then,
  To,
  Train,
  True,
  Weights,
  When,
} from "./tokens.js";

/** Tokens the parser may invent to repair an input: punctuation and keywords, never a name or value. */
const notInsertable = new Set<TokenType>([Identifier, NumberLiteral, StringLiteral, QuotedName]);

/** The grammar rules a driver may start at, and the tree each gives: one statement, or the head of a callback block. */
export interface ChunkTrees {
  statement: StatementCstNode;
  callbackHead: CallbackHeadCstNode;
}
export type ChunkRule = keyof ChunkTrees;

export class RulesParser extends CstParser implements MessageContext {
  clause: Clause = "trigger";
  inBlock = false;
  private follower: IToken | undefined;
  /** The side table of the current parse: what the message provider knew of each error, by the error's token. */
  private readonly infos = new Map<IToken, ParseErrorInfo[]>();

  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: "none",
      errorMessageProvider: new RulesErrorMessages({
        get clause() {
          return self().clause;
        },
        get inBlock() {
          return self().inBlock;
        },
        previousOf: (token) => self().previousOf(token),
        realToken: (token) => self().realToken(token),
        record: (token, info) => self().record(token, info),
      }),
    });
    // The provider is built before `this` may be used; it reads the parser through this closure.
    const self = (): RulesParser => this;
    this.performSelfAnalysis();
  }

  /**
   * Parses the tokens of one statement or callback head; `follower` is the token after them
   * (undefined at the end of the file), so messages name what really comes next. Resets the
   * parser's state: one instance serves every parse.
   */
  parseChunk<R extends ChunkRule>(rule: R, tokens: IToken[], follower: IToken | undefined, inBlock: boolean): ChunkTrees[R] {
    this.infos.clear();
    this.input = tokens;
    this.follower = follower;
    this.inBlock = inBlock;
    this.clause = "trigger";
    // Chevrotain types every rule's result as CstNode; grammar/cst.d.ts has the shape each rule builds.
    return (rule === "statement" ? this.statement() : this.callbackHead()) as ChunkTrees[R];
  }

  /** Parses a whole file from `program`, the grammar as the diagram shows it, without the statement driver. */
  parseProgram(tokens: IToken[]): ProgramCstNode {
    this.infos.clear();
    this.input = tokens;
    this.follower = undefined;
    this.inBlock = false;
    this.clause = "trigger";
    return this.program() as ProgramCstNode;
  }

  record(token: IToken, info: ParseErrorInfo): string {
    const filed = this.infos.get(token);
    if (filed === undefined) this.infos.set(token, [info]);
    else filed.push(info);
    return info.message;
  }

  /**
   * The code, message, hint and suggestion of one of `errors` of the last parse. Several errors
   * may share a token (the end of the input): the message tells them apart. An error the
   * provider did not describe (none should exist) is a plain CBC101 with Chevrotain's text.
   */
  errorInfo(error: IRecognitionException): ParseErrorInfo {
    const filed = this.infos.get(error.token)?.filter((info) => info.message === error.message).at(-1);
    return filed ?? { code: "CBC101", message: error.message };
  }

  previousOf(token: IToken): IToken | undefined {
    const tokens = this.input;
    if (token.tokenType === EOF) return tokens.at(-1);
    let lo = 0;
    let hi = tokens.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid].startOffset < token.startOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 ? tokens[found] : undefined;
  }

  realToken(token: IToken): IToken {
    return token.tokenType === EOF && this.follower !== undefined ? this.follower : token;
  }

  protected override canTokenTypeBeInsertedInRecovery(tokType: TokenType): boolean {
    if (notInsertable.has(tokType)) return false;
    const next = this.LA(1);
    if (next.tokenType === Identifier) {
      // A misspelled keyword or a stray word: inserting a token in front of it only moves the error.
      if (tokenMatcher(this.LA(2), tokType)) return false;
      if (misspeltContinuation(next.image) !== undefined) return false;
    }
    return true;
  }

  // ------------------------------------------------------------ file and declarations
  // A file is parsed statement by statement (see src/syntax/parse.ts): `program` and
  // `callbackDecl` describe the whole, the driver starts at `statement` and `callbackHead`.

  program = this.RULE("program", () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.callbackDecl) }, { ALT: () => this.SUBRULE(this.statement) }]);
    });
  });

  callbackDecl = this.RULE("callbackDecl", () => {
    this.SUBRULE(this.callbackHead);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(RBrace);
  });

  callbackHead = this.RULE("callbackHead", () => {
    this.CONSUME(Callback);
    this.CONSUME(Identifier, { LABEL: "name" });
    this.OPTION(() => this.SUBRULE(this.paramList));
    this.CONSUME(LBrace);
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.metricsDecl) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.rule) },
    ]);
  });

  metricsDecl = this.RULE("metricsDecl", () => {
    this.CONSUME(Metrics);
    this.SUBRULE(this.metricName);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.metricName);
    });
  });

  metricName = this.RULE("metricName", () => {
    this.OR({
      DEF: [{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.CONSUME(QuotedName) }],
      ERR_MSG: "a metric name",
    });
  });

  letDecl = this.RULE("letDecl", () => {
    this.CONSUME(Let);
    this.CONSUME(Identifier, { LABEL: "name" });
    this.CONSUME(Assign);
    this.SUBRULE(this.expression, { LABEL: "init" });
  });

  paramList = this.RULE("paramList", () => {
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.param);
      });
      this.OPTION2(() => this.CONSUME2(Comma, { LABEL: "trailingComma" }));
    });
    this.CONSUME(RParen);
  });

  param = this.RULE("param", () => {
    this.CONSUME(Identifier, { LABEL: "name" });
    this.CONSUME(Colon);
    this.SUBRULE(this.paramType);
    this.OPTION(() => this.CONSUME(Question));
    this.OPTION2(() => this.SUBRULE(this.paramRange));
    this.OPTION3(() => this.CONSUME2(Question));
    this.OPTION4(() => {
      this.CONSUME(Assign);
      this.SUBRULE(this.expression, { LABEL: "default" });
    });
  });

  paramType = this.RULE("paramType", () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(Int, { LABEL: "simple" }) },
        { ALT: () => this.CONSUME(NumberKw, { LABEL: "simple" }) },
        { ALT: () => this.CONSUME(Bool, { LABEL: "simple" }) },
        { ALT: () => this.CONSUME(StringKw, { LABEL: "simple" }) },
        { ALT: () => this.CONSUME(Metric, { LABEL: "simple" }) },
        {
          ALT: () => {
            this.CONSUME(Fn);
            this.CONSUME(LParen);
            this.OPTION(() => {
              this.CONSUME(Identifier, { LABEL: "arg" });
              this.MANY(() => {
                this.CONSUME(Comma);
                this.CONSUME2(Identifier, { LABEL: "arg" });
              });
            });
            this.CONSUME(RParen);
          },
        },
        {
          ALT: () => {
            this.CONSUME(StringLiteral, { LABEL: "choice" });
            this.MANY2(() => {
              this.CONSUME(Pipe);
              this.CONSUME2(StringLiteral, { LABEL: "choice" });
            });
          },
        },
      ],
      ERR_MSG: 'a type (`int`, `number`, `bool`, `string`, `metric`, `number[]`, `fn(...)` or choices like `"min" | "max"`)',
    });
    // `number[]`; the builder rejects brackets after any other type.
    this.OPTION2(() => {
      this.CONSUME(LBracket, { LABEL: "list" });
      this.CONSUME(RBracket);
    });
  });

  paramRange = this.RULE("paramRange", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(In);
          this.OR2({
            DEF: [
              { ALT: () => this.CONSUME(LParen, { LABEL: "open" }) },
              { ALT: () => this.CONSUME(LBracket, { LABEL: "open" }) },
            ],
            ERR_MSG: "`(` or `[` after `in`",
          });
          this.SUBRULE(this.arithmetic, { LABEL: "lo" });
          this.CONSUME(Comma);
          this.SUBRULE2(this.arithmetic, { LABEL: "hi" });
          this.OR3({
            DEF: [
              { ALT: () => this.CONSUME(RParen, { LABEL: "close" }) },
              { ALT: () => this.CONSUME(RBracket, { LABEL: "close" }) },
            ],
            ERR_MSG: "`)` or `]` to close the range",
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(BoundOp, { LABEL: "bound" });
          this.SUBRULE3(this.arithmetic, { LABEL: "value" });
        },
      },
    ]);
  });

  // ------------------------------------------------------------ rules

  rule = this.RULE("rule", () => {
    this.ACTION(() => (this.clause = "trigger"));
    this.OR([
      { ALT: () => this.SUBRULE(this.whenRule) },
      { ALT: () => this.SUBRULE(this.onRule) },
      { ALT: () => this.SUBRULE(this.everyRule) },
      { ALT: () => this.SUBRULE(this.atRule) },
    ]);
  });

  private condition(): void {
    this.OPTION9(() => {
      this.CONSUME9(When);
      this.ACTION(() => (this.clause = "condition"));
      this.SUBRULE9(this.expression, { LABEL: "condition" });
    });
  }

  whenRule = this.RULE("whenRule", () => {
    this.CONSUME(When);
    this.ACTION(() => (this.clause = "condition"));
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.CONSUME(Then);
    this.SUBRULE(this.actions);
  });

  onRule = this.RULE("onRule", () => {
    this.CONSUME(On);
    this.SUBRULE(this.event);
    this.condition();
    this.CONSUME(Then);
    this.SUBRULE(this.actions);
  });

  event = this.RULE("event", () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(Train, { LABEL: "phase" }) },
        { ALT: () => this.CONSUME(Epoch, { LABEL: "phase" }) },
        { ALT: () => this.CONSUME(Batch, { LABEL: "phase" }) },
      ],
      ERR_MSG: "an event (`train`, `epoch` or `batch`, then `begin` or `end`)",
    });
    this.OR2({
      DEF: [
        { ALT: () => this.CONSUME(Begin, { LABEL: "edge" }) },
        { ALT: () => this.CONSUME(End, { LABEL: "edge" }) },
      ],
      ERR_MSG: "`begin` or `end`",
    });
  });

  everyRule = this.RULE("everyRule", () => {
    this.CONSUME(Every);
    this.SUBRULE(this.arithmetic, { LABEL: "count" });
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(Epochs, { LABEL: "unit" }) },
        { ALT: () => this.CONSUME(Batches, { LABEL: "unit" }) },
      ],
      ERR_MSG: "`epochs` or `batches` after the count",
    });
    this.condition();
    this.CONSUME(Then);
    this.SUBRULE(this.actions);
  });

  atRule = this.RULE("atRule", () => {
    this.CONSUME(At);
    this.CONSUME(Epoch);
    this.SUBRULE(this.arithmetic, { LABEL: "epoch" });
    this.condition();
    this.CONSUME(Then);
    this.SUBRULE(this.actions);
  });

  // ------------------------------------------------------------ actions

  actions = this.RULE("actions", () => {
    this.SUBRULE(this.action);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.action);
    });
  });

  action = this.RULE("action", () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.assignAction) },
        { ALT: () => this.CONSUME(Stop) },
        { ALT: () => this.SUBRULE(this.restoreAction) },
        { ALT: () => this.SUBRULE(this.saveAction) },
        { ALT: () => this.SUBRULE(this.logAction) },
        { ALT: () => this.SUBRULE(this.tensorboardAction) },
        { ALT: () => this.SUBRULE(this.printAction) },
        { ALT: () => this.SUBRULE(this.callAction) },
        { ALT: () => this.CONSUME(Progress) },
      ],
      ERR_MSG:
        "an action (`NAME = EXPR`, `stop`, `restore best weights`, `save model to`, `log to`, `tensorboard`, `print`, `call` or `progress`)",
    });
  });

  assignAction = this.RULE("assignAction", () => {
    this.CONSUME(Identifier, { LABEL: "target" });
    this.CONSUME(AssignOp, { LABEL: "op" });
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  restoreAction = this.RULE("restoreAction", () => {
    this.CONSUME(Restore);
    this.CONSUME(Best);
    this.CONSUME(Weights);
    this.OPTION(() => {
      this.CONSUME(Of);
      this.SUBRULE(this.metricName);
    });
  });

  saveAction = this.RULE("saveAction", () => {
    this.CONSUME(Save);
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(Model, { LABEL: "what" }) },
        { ALT: () => this.CONSUME(Weights, { LABEL: "what" }) },
      ],
      ERR_MSG: "`model` or `weights` after `save`",
    });
    this.CONSUME(To);
    this.OR2({
      DEF: [
        { ALT: () => this.CONSUME(StringLiteral, { LABEL: "path" }) },
        { ALT: () => this.CONSUME(Identifier, { LABEL: "path" }) },
      ],
      ERR_MSG: "the path, a string in double quotes or a string param, after `to`",
    });
    this.OPTION(() => {
      this.CONSUME(Keep);
      this.SUBRULE(this.arithmetic, { LABEL: "keep" });
    });
  });

  logAction = this.RULE("logAction", () => {
    this.CONSUME(Log);
    this.CONSUME(To);
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(StringLiteral, { LABEL: "path" }) },
        { ALT: () => this.CONSUME(Identifier, { LABEL: "path" }) },
      ],
      ERR_MSG: "the file name, a string in double quotes or a string param, after `to`",
    });
    this.MANY(() => {
      this.OR2([
        {
          ALT: () => {
            this.CONSUME(Separator);
            this.OR3({
              DEF: [
                { ALT: () => this.CONSUME2(StringLiteral, { LABEL: "separator" }) },
                { ALT: () => this.CONSUME2(Identifier, { LABEL: "separator" }) },
              ],
              ERR_MSG: "the separator, a string in double quotes or a string param, after `separator`",
            });
          },
        },
        { ALT: () => this.CONSUME(Append) },
      ]);
    });
  });

  tensorboardAction = this.RULE("tensorboardAction", () => {
    this.CONSUME(Tensorboard);
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(StringLiteral, { LABEL: "dir" }) },
        { ALT: () => this.CONSUME(Identifier, { LABEL: "dir" }) },
      ],
      ERR_MSG: "the log directory, a string in double quotes or a string param, after `tensorboard`",
    });
  });

  printAction = this.RULE("printAction", () => {
    this.CONSUME(Print);
    this.CONSUME(StringLiteral, { LABEL: "text" });
  });

  callAction = this.RULE("callAction", () => {
    this.CONSUME(Call);
    this.CONSUME(Identifier, { LABEL: "hook" });
  });

  // ------------------------------------------------------------ expressions
  // Few rule levels on purpose (CST nodes are the parser's main cost); the builder applies the
  // precedence within a level. Loosest first: `or`, `and`, `not`, a comparison or predicate
  // (one at most: `a < b < c` does not parse), `+ -`, `* / %`, unary sign, `**`.

  /** `and` / `or` chain: `and` binds tighter. */
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.term, { LABEL: "operand" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(And, { LABEL: "operator" }) },
        { ALT: () => this.CONSUME(Or, { LABEL: "operator" }) },
      ]);
      this.SUBRULE2(this.term, { LABEL: "operand" });
    });
  });

  /** `not`s, then an arithmetic value with at most one comparison or predicate. */
  term = this.RULE("term", () => {
    this.MANY(() => this.CONSUME(Not, { LABEL: "not" }));
    this.SUBRULE(this.arithmetic, { LABEL: "left" });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(CompareOp, { LABEL: "operator" });
            this.SUBRULE2(this.arithmetic, { LABEL: "right" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(Is);
            this.OPTION2(() => this.CONSUME2(Not, { LABEL: "negated" }));
            this.OR2({
              DEF: [
                { ALT: () => this.CONSUME(Nan, { LABEL: "test" }) },
                { ALT: () => this.CONSUME(Inf, { LABEL: "test" }) },
                { ALT: () => this.CONSUME(Finite, { LABEL: "test" }) },
              ],
              ERR_MSG: "`nan`, `inf` or `finite` after `is`",
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(Plateau);
            this.SUBRULE3(this.arithmetic, { LABEL: "patience" });
            this.MANY2(() => this.SUBRULE(this.predicateOption));
          },
        },
        {
          ALT: () => {
            this.CONSUME(Improves);
            this.MANY3(() => this.SUBRULE2(this.predicateOption));
          },
        },
      ]);
    });
  });

  predicateOption = this.RULE("predicateOption", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(MinDelta, { LABEL: "option" });
          this.SUBRULE(this.arithmetic, { LABEL: "value" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Cooldown, { LABEL: "option" });
          this.SUBRULE2(this.arithmetic, { LABEL: "value" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Baseline, { LABEL: "option" });
          this.SUBRULE3(this.arithmetic, { LABEL: "value" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(From, { LABEL: "option" });
          this.CONSUME(Epoch);
          this.SUBRULE4(this.arithmetic, { LABEL: "value" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Mode, { LABEL: "option" });
          this.OR2({
            DEF: [
              { ALT: () => this.CONSUME(Identifier, { LABEL: "word" }) },
              { ALT: () => this.CONSUME(StringLiteral, { LABEL: "word" }) },
            ],
            ERR_MSG: "`min`, `max` or `auto` after `mode`",
          });
        },
      },
    ]);
  });

  /** `+ - * / %` chain: `* / %` bind tighter; all associate to the left. */
  arithmetic = this.RULE("arithmetic", () => {
    this.SUBRULE(this.operand, { LABEL: "operand" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(AddOp, { LABEL: "operator" }) },
        { ALT: () => this.CONSUME(MulOp, { LABEL: "operator" }) },
      ]);
      this.SUBRULE2(this.operand, { LABEL: "operand" });
    });
  });

  /**
   * Signs, a primary, and a right-associative power whose exponent may carry a sign. A sign binds
   * looser than `**`: `-2 ** 2` is `-(2 ** 2)`, as in Python.
   */
  operand = this.RULE("operand", () => {
    this.MANY(() => this.CONSUME(AddOp, { LABEL: "sign" }));
    this.SUBRULE(this.primary, { LABEL: "base" });
    this.OPTION(() => {
      this.CONSUME(Power);
      this.SUBRULE(this.operand, { LABEL: "exponent" });
    });
  });

  primary = this.RULE("primary", () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(NumberLiteral, { LABEL: "number" }) },
        { ALT: () => this.CONSUME(StringLiteral, { LABEL: "string" }) },
        { ALT: () => this.CONSUME(True, { LABEL: "bool" }) },
        { ALT: () => this.CONSUME(False, { LABEL: "bool" }) },
        {
          ALT: () => {
            this.CONSUME(Identifier, { LABEL: "name" });
            this.OPTION(() => this.SUBRULE(this.callArgs));
          },
        },
        { ALT: () => this.CONSUME(QuotedName, { LABEL: "quoted" }) },
        {
          ALT: () => {
            this.CONSUME(LParen);
            this.SUBRULE(this.expression, { LABEL: "inner" });
            this.CONSUME(RParen);
          },
        },
        // `[100, 200]`: parsed anywhere, so the checker can say where a list may stand (a default).
        {
          ALT: () => {
            this.CONSUME(LBracket);
            this.OPTION2(() => {
              this.SUBRULE2(this.expression, { LABEL: "item" });
              this.MANY(() => {
                this.CONSUME(Comma);
                this.SUBRULE3(this.expression, { LABEL: "item" });
              });
              this.OPTION3(() => this.CONSUME2(Comma, { LABEL: "trailingComma" }));
            });
            this.CONSUME(RBracket);
          },
        },
      ],
      ERR_MSG: "an expression",
    });
  });

  callArgs = this.RULE("callArgs", () => {
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: "arg" });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expression, { LABEL: "arg" });
      });
    });
    this.CONSUME(RParen);
  });
}

let sharedParser: RulesParser | undefined;

/** The one parser of the process: building it runs Chevrotain's grammar analysis, which is slow. */
export function rulesParser(): RulesParser {
  sharedParser ??= new RulesParser();
  return sharedParser;
}

/** The railroad diagram of the grammar, as a standalone HTML page (docs/grammar.html). */
export function grammarDiagramHtml(): string {
  const html = createSyntaxDiagramsCode(rulesParser().getSerializedGastProductions());
  return html.replace(
    "<!-- This is a generated file -->",
    "<!-- Generated from grammar/parser.ts by `node scripts/grammar.mjs`: do not edit. -->",
  );
}

/**
 * The types of the concrete syntax tree, one interface per rule with its children by label
 * (grammar/cst.d.ts, checked in): src/syntax/build.ts reads children through them, so a
 * renamed label or rule is a type error there, not a silently missing child.
 */
export function grammarCstDts(): string {
  const types = generateCstDts(rulesParser().getGAstProductions(), { includeVisitorInterface: false });
  return `// Generated from grammar/parser.ts by \`node scripts/grammar.mjs\`: do not edit.\n${types}`;
}
