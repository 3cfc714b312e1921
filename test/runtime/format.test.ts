// Python str.format parity: every expected string below was printed by python3 3.11 (`format(value, spec)`).
import { describe, expect, it } from "vitest";
import { formatTemplate, formatValue, parseTemplate, type FormatArg } from "../../src/runtime/format.js";

type Row = [FormatArg, string, string];

// Generated with python3: for (v, s) in rows: print(v, s, format(v, s)).
const FLOATS: Row[] = [
  [0.125, ".2f", "0.12"],
  [0.25, ".1f", "0.2"],
  [2.675, ".2f", "2.67"],
  [0.5, ".0f", "0"],
  [1.5, ".0f", "2"],
  [2.5, ".0f", "2"],
  [0.375, ".2f", "0.38"],
  [1.0000000000000002, ".20f", "1.00000000000000022204"],
  [0.1, ".25f", "0.1000000000000000055511151"],
  [1e+22, "f", "10000000000000000000000.000000"],
  [5e-324, ".2e", "4.94e-324"],
  [1e-310, "e", "1.000000e-310"],
  [0.000123456, ".2e", "1.23e-04"],
  [123456.789, ".2e", "1.23e+05"],
  [12345.0, ".0e", "1e+04"],
  [0.0, "e", "0.000000e+00"],
  [-0.0, ".3e", "-0.000e+00"],
  [9.9995, ".3e", "9.999e+00"],
  [1.0, "#.0e", "1.e+00"],
  [1e+100, "E", "1.000000E+100"],
  [0.0001, "g", "0.0001"],
  [1e-05, "g", "1e-05"],
  [123456.0, "g", "123456"],
  [1234567.0, "g", "1.23457e+06"],
  [100000.0, "g", "100000"],
  [1e+16, "g", "1e+16"],
  [0.0, "g", "0"],
  [9.9995, ".3g", "10"],
  [9.9995, ".4g", "9.999"],
  [1200.0, ".3g", "1.2e+03"],
  [123.0, ".3g", "123"],
  [1.0, "#g", "1.00000"],
  [0.0, "#.3g", "0.00"],
  [100.0, "#.3g", "100."],
  [0.5, ".0g", "0.5"],
  [1e-05, "G", "1E-05"],
  [2.5e+20, ".2G", "2.5E+20"],
  [0.1, "", "0.1"],
  [3.0, "", "3.0"],
  [1e+16, "", "1e+16"],
  [1e-05, "", "1e-05"],
  [-0.0, "", "-0.0"],
  [0.30000000000000004, "", "0.30000000000000004"],
  [100.0, ".3", "1e+02"],
  [123.0, ".3", "1.23e+02"],
  [1.0, ".3", "1.0"],
  [99.95, ".3", "1e+02"],
  [12.0, ".0", "1e+01"],
  [0.0, ".1", "0e+00"],
  [0.0, ".2", "0.0"],
  [1.5, ".2", "1.5"],
  [1.0, "#.3", "1.00"],
  [1e+16, "#", "1.e+16"],
  [1.0, "#", "1.0"],
  [0.125, ".2%", "12.50%"],
  [0.125, ".0%", "12%"],
  [0.125, "#.0%", "12.%"],
  [12.345, ",.2%", "1,234.50%"],
  [0.5, "%", "50.000000%"],
  [1234567.891, ",.2f", "1,234,567.89"],
  [-1234567.891, ",.2f", "-1,234,567.89"],
  [1234.5, "_.3f", "1_234.500"],
  [1234.5, ",", "1,234.5"],
  [1e+16, ",", "1e+16"],
  [1e+16, "010,", "00,001e+16"],
  [1234.5, "010,.2f", "001,234.50"],
  [3.14159, "10.3f", "     3.142"],
  [3.14159, "<10.3f", "3.142     "],
  [3.14159, "^10.3f", "  3.142   "],
  [3.14159, "*^11.2f", "***3.14****"],
  [-3.14, "+010.1f", "-0000003.1"],
  [-1.5, "05", "-01.5"],
  [-0.0, "010", "-0000000.0"],
  [3.14159, "-^+11.2f", "---+3.14---"],
  [2.0, "+.1f", "+2.0"],
  [2.0, " .1f", " 2.0"],
  [-0.001, ".2f", "-0.00"],
  [-0.001, "z.2f", "0.00"],
  [-0.0, "z", "0.0"],
  [0.0, "+.2e", "+0.00e+00"],
  [NaN, "", "nan"],
  [Infinity, "", "inf"],
  [-Infinity, "", "-inf"],
  [NaN, "+", "+nan"],
  [Infinity, "05", "00inf"],
  [-Infinity, "05", "-0inf"],
  [Infinity, "010,", "0000000inf"],
  [NaN, "012_", "000000000nan"],
  [Infinity, "E", "INF"],
  [NaN, "G", "NAN"],
  [Infinity, ".3%", "inf%"],
  [Infinity, "F", "INF"],
  [0.123456789, ".4f", "0.1235"],
  [0.0012345, ".4f", "0.0012"],
  [1.5, "F", "1.500000"],
];
const INTS: Row[] = [
  [{ int: 5 }, "", "5"],
  [{ int: 5 }, "03d", "005"],
  [{ int: 42 }, "d", "42"],
  [{ int: -42 }, "05d", "-0042"],
  [{ int: 1234567 }, ",", "1,234,567"],
  [{ int: 1234567 }, "_", "1_234_567"],
  [{ int: 1234 }, "08,", "0,001,234"],
  [{ int: 1234 }, "07,", "001,234"],
  [{ int: 1234 }, "06,", "01,234"],
  [{ int: 1234 }, "0=10,", "00,001,234"],
  [{ int: 1234 }, "*=10,", "*****1,234"],
  [{ int: 255 }, "x", "ff"],
  [{ int: 255 }, "#x", "0xff"],
  [{ int: 255 }, "X", "FF"],
  [{ int: 255 }, "#010x", "0x000000ff"],
  [{ int: 10 }, "_b", "1010"],
  [{ int: 11259375 }, "010_x", "0_00ab_cdef"],
  [{ int: 8 }, "o", "10"],
  [{ int: 8 }, "#o", "0o10"],
  [{ int: 5 }, "f", "5.000000"],
  [{ int: 5 }, ".2e", "5.00e+00"],
  [{ int: 5 }, "%", "500.000000%"],
  [{ int: 3 }, "g", "3"],
  [{ int: 12 }, "<05", "12000"],
  [{ int: 12 }, "^7", "  12   "],
  [{ int: 7 }, "+", "+7"],
  [{ int: 7 }, " ", " 7"],
  [{ int: -7 }, "+", "-7"],
  [{ int: 1000000000000000 }, ",", "1,000,000,000,000,000"],
  [{ int: 0 }, "03d", "000"],
  [{ int: 1 }, "x^9", "xxxx1xxxx"],
];
const STRINGS: Row[] = [
  ["ab", "", "ab"],
  ["ab", "5", "ab   "],
  ["ab", ">5", "   ab"],
  ["ab", "^5", " ab  "],
  ["ab", "^6", "  ab  "],
  ["ab", "05s", "ab000"],
  ["abc", ".1", "a"],
  ["héllo", "*<8", "héllo***"],
  ["a", "é<4", "aééé"],
];
const BOOLS: Row[] = [
  [true, "", "True"],
  [false, "", "False"],
  [true, "010", "0000000001"],
  [true, "d", "1"],
  [true, "%", "100.000000%"],
  [false, ".1f", "0.0"],
  [true, ",d", "1"],
];

describe("formatValue matches Python's format()", () => {
  for (const [label, rows] of [
    ["float", FLOATS],
    ["int", INTS],
    ["str", STRINGS],
    ["bool", BOOLS],
  ] as const) {
    it.each(rows)(`${label} %o with spec %j -> %j`, (value, spec, expected) => {
      expect(formatValue(value, spec)).toBe(expected);
    });
  }

  it("rounds the exact binary value half to even, unlike toFixed", () => {
    // The three cases of the brief, each where JS's toFixed differs from Python.
    expect((0.125).toFixed(2)).not.toBe("0.12");
    expect(formatValue(0.125, ".2f")).toBe("0.12");
    expect((0.25).toFixed(1)).not.toBe("0.2");
    expect(formatValue(0.25, ".1f")).toBe("0.2");
    expect(formatValue(2.675, ".2f")).toBe("2.67");
  });
});

describe("d on a float (Python raises; our documented decision)", () => {
  // Expected = Python's format(int(v), spec) for integral floats, format(v, spec without d) otherwise.
  it.each([
    [3.0, "03d", "003"],
    [-12.0, "+05d", "-0012"],
    [1234567.0, ",d", "1,234,567"],
    [-0.0, "d", "0"],
    [0.5, "d", "0.5"],
    [0.5, "05d", "000.5"],
    [Number.NaN, "d", "nan"],
    [Infinity, "d", "inf"],
  ] as const)("%o with %j -> %j", (value, spec, expected) => {
    expect(formatValue(value, spec)).toBe(expected);
  });
});

describe("specs Python rejects throw with Python's message", () => {
  it.each([
    ["ab", "=5", "'=' alignment not allowed in string format specifier"],
    ["ab", "+", "Sign not allowed in string format specifier"],
    ["ab", "#", "Alternate form (#) not allowed in string format specifier"],
    ["ab", ",", "Cannot specify ',' with 's'."],
    ["ab", "d", "Unknown format code 'd' for object of type 'str'"],
    [{ int: 5 }, ".2", "Precision not allowed in integer format specifier"],
    [{ int: 5 }, "z", "Negative zero coercion (z) not allowed in integer format specifier"],
    [{ int: 255 }, ",x", "Cannot specify ',' with 'x'."],
    [{ int: 1 }, ",_", "Cannot specify both ',' and '_'."],
    [1.0, ".", "Format specifier missing precision"],
    [1.0, "x", "Unknown format code 'x' for object of type 'float'"],
    [1.0, "ff", "Invalid format specifier"],
    [true, "s", "Unknown format code 's' for object of type 'bool'"],
  ] as [FormatArg, string, string][])("%o with %j", (value, spec, message) => {
    expect(() => formatValue(value, spec)).toThrow(message);
  });

  it("rejects n and c, which Python accepts, rather than guess", () => {
    expect(() => formatValue(1.0, "n")).toThrow("Unknown format code 'n'");
    expect(() => formatValue({ int: 5 }, "c")).toThrow("Unknown format code 'c'");
  });

  it("rejects a non-integral int argument", () => {
    expect(() => formatValue({ int: 1.5 }, "")).toThrow("whole number");
  });
});

describe("formatTemplate", () => {
  const values: Record<string, FormatArg> = {
    epoch: { int: 5 },
    val_loss: 0.123456,
    loss: 0.25,
    lr: 0.001,
    step: { int: 120 },
    acc: 0.98765,
    name: "run",
    flag: false,
    "a/b": 2.675,
  };
  const lookup = (name: string): FormatArg | undefined => values[name];

  // Expected strings: Python's template.format(**values) with the same values.
  it.each([
    ["ckpt/epoch-{epoch:03d}-{val_loss:.4f}", "ckpt/epoch-005-0.1235"],
    ["{{literal}} {loss} }}{{ {lr:.1e}", "{literal} 0.25 }{ 1.0e-03"],
    ["loss diverged at step {step}", "loss diverged at step 120"],
    ["{acc:.2%} {name:>6}|{flag}", "98.77%    run|False"],
    ["{a/b:.2f}", "2.67"],
    ["no placeholders", "no placeholders"],
    ["", ""],
  ])("%j", (template, expected) => {
    expect(formatTemplate(template, lookup)).toBe(expected);
  });

  it("names a missing placeholder", () => {
    expect(() => formatTemplate("ckpt/{epoch}-{val_acc:.2f}", lookup)).toThrow("{val_acc}");
  });

  it("names the placeholder whose spec is invalid", () => {
    expect(() => formatTemplate("x{name:d}", lookup)).toThrow("{name:d}");
  });

  it.each([
    ["a } b", "Single '}'"],
    ["a { b", "Single '{'"],
    ["{}", "positional"],
    ["{0}", undefined],
    ["{a.b}", "attribute"],
    ["{loss!r}", "conversions"],
    ["{loss:{width}}", "nested"],
  ])("throws on %j", (template, message) => {
    // "{0}" parses as a name; it only fails because nothing is called "0".
    expect(() => formatTemplate(template, lookup)).toThrow(message ?? "{0}");
  });

  it("parseTemplate lists fields and literal text for the checker", () => {
    expect(parseTemplate("ckpt/{epoch:03d}-{{x}}-{val_loss}")).toEqual([
      { kind: "text", text: "ckpt/" },
      { kind: "field", name: "epoch", spec: "03d" },
      { kind: "text", text: "-{x}-" },
      { kind: "field", name: "val_loss", spec: "" },
    ]);
  });
});
