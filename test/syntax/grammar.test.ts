// The lexer and the grammar itself: token boundaries, soft keywords, and the whole-file rule.
import { readFileSync } from "node:fs";
import { tokenMatcher } from "chevrotain";
import { describe, expect, it } from "vitest";
import { rulesParser } from "../../grammar/parser.js";
import { hardKeywordWords, Identifier, keywordTokens, rulesLexer, softKeywordWords } from "../../grammar/tokens.js";
import { parse } from "../../src/syntax/parse.js";

const language = readFileSync(new URL("../fixtures/LANGUAGE.md", import.meta.url), "utf8");
const examples = [...language.matchAll(/```[^\n]*\n([\s\S]*?)```/g)]
  .map((match) => match[1])
  .filter((block) => !/\b(COND|ACTIONS|EVENT)\b/.test(block));

function lex(source: string): string[] {
  const result = rulesLexer.tokenize(source);
  expect(result.errors).toEqual([]);
  return result.tokens.map((token) => `${token.tokenType.name} ${token.image}`);
}

describe("lexer", () => {
  it.each([
    ["int in inf interval", ["IntKw int", "InKw in", "InfKw inf", "Identifier interval"]],
    ["epoch epochs epochal", ["EpochKw epoch", "EpochsKw epochs", "Identifier epochal"]],
    ["model mode modest", ["ModelKw model", "ModeKw mode", "Identifier modest"]],
    ["when whenever then_", ["WhenKw when", "Identifier whenever", "Identifier then_"]],
    ["batch batches", ["BatchKw batch", "BatchesKw batches"]],
    ["min_delta min", ["MinDeltaKw min_delta", "Identifier min"]],
    ["10 0.1 1e-4 .5 1E+3 7.", ["NumberLiteral 10", "NumberLiteral 0.1", "NumberLiteral 1e-4", "NumberLiteral .5", "NumberLiteral 1E+3", "NumberLiteral 7."]],
    ["90s 15m 2h 1.5h", ["NumberLiteral 90s", "NumberLiteral 15m", "NumberLiteral 2h", "NumberLiteral 1.5h"]],
    ["5epochs 1e", ["NumberLiteral 5epochs", "NumberLiteral 1e"]],
    ["a**b *= * == = != <= < >= > += -= /= %", [
      "Identifier a", "Power **", "Identifier b", "TimesAssign *=", "Times *", "Equal ==", "Assign =", "NotEqual !=",
      "LessEqual <=", "Less <", "GreaterEqual >=", "Greater >", "PlusAssign +=", "MinusAssign -=", "DivideAssign /=", "Modulo %",
    ]],
    ['"say \\"hi\\" \\\\ {x}"', ['ClosedString "say \\"hi\\" \\\\ {x}"']],
    ['"open', ['UnterminatedString "open']],
    ["`output_1/val_loss` `x", ["ClosedQuotedName `output_1/val_loss`", "UnterminatedQuotedName `x"]],
    ["when # a comment ( \" `\nthen", ["WhenKw when", "ThenKw then"]],
    ["( ) [ ] { } , : ? |", ["LParen (", "RParen )", "LBracket [", "RBracket ]", "LBrace {", "RBrace }", "Comma ,", "Colon :", "Question ?", "Pipe |"]],
  ])("%s", (source, expected) => {
    expect(lex(source)).toEqual(expected);
  });

  it("reports an unexpected character with its exact offset and length", () => {
    const result = rulesLexer.tokenize("when @@ x");
    expect(result.errors.map((e) => [e.offset, e.length])).toEqual([[5, 2]]);
  });

  it("makes every soft keyword a name and no hard keyword one", () => {
    for (const word of softKeywordWords) {
      const [token] = rulesLexer.tokenize(word).tokens;
      expect(token.tokenType, word).toBe(keywordTokens.get(word));
      expect(tokenMatcher(token, Identifier), word).toBe(true);
    }
    for (const word of hardKeywordWords) {
      const [token] = rulesLexer.tokenize(word).tokens;
      expect(token.tokenType, word).toBe(keywordTokens.get(word));
      expect(tokenMatcher(token, Identifier), word).toBe(false);
    }
  });

  it("accepts soft keywords as names and rejects hard ones", () => {
    for (const word of softKeywordWords) {
      expect(parse(`let ${word} = 1`, "soft.rules").diagnostics, word).toEqual([]);
    }
    for (const word of hardKeywordWords) {
      expect(parse(`let ${word} = 1`, "hard.rules").diagnostics.length, word).toBe(1);
    }
  });
});

describe("whole-file grammar (`program`, as docs/grammar.html draws it)", () => {
  it("finds the examples of LANGUAGE.md", () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((source, index) => [index, source]))("accepts example %i and agrees with the statement driver", (_, source) => {
    const parser = rulesParser();
    const cst = parser.parseProgram(rulesLexer.tokenize(source).tokens);
    expect(parser.errors.map((e) => e.message)).toEqual([]);
    const topLevel = (cst.children.statement?.length ?? 0) + (cst.children.callbackDecl?.length ?? 0);
    expect(topLevel).toBe(parse(source, "example.rules").program.items.length);
  });

  it("rejects what the driver rejects", () => {
    const parser = rulesParser();
    parser.parseProgram(rulesLexer.tokenize("callback A { when x then }").tokens);
    expect(parser.errors.length).toBeGreaterThan(0);
    expect(parse("callback A { when x then }", "bad.rules").diagnostics.length).toBe(1);
  });
});
