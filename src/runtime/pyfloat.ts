// Python's repr() of a float, so files we write read exactly like Keras' own
// (CSV cells, default `{name}` placeholders): 0.1 -> "0.1", 3 -> "3.0",
// 1e-5 -> "1e-05", 1e16 -> "1e+16", NaN -> "nan", Infinity -> "inf".

export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // JS and Python agree on the shortest round-trip digits; only layout differs.
  const [mantissa, expPart] = x.toExponential().split("e");
  const exponent = Number(expPart);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${body}e${expSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intLength = exponent + 1;
  if (digits.length <= intLength) return `${sign}${digits.padEnd(intLength, "0")}.0`;
  return `${sign}${digits.slice(0, intLength)}.${digits.slice(intLength)}`;
}
