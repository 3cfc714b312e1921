// The one catalogue of diagnostic codes. Codes are stable: tests, editors and
// users key on them. 1xx: lexing and parsing; 2xx: names; 3xx: types and
// values; 4xx: rules and actions; 5xx: I/O (CLI only).
export const catalogue = {
  // ---- syntax
  CBC100: { severity: "error", title: "unexpected character" },
  CBC101: { severity: "error", title: "syntax error" },
  CBC102: { severity: "error", title: "unterminated string" },
  CBC103: { severity: "error", title: "bad escape or placeholder in string" },
  CBC104: { severity: "error", title: "unknown word where a keyword belongs" },
  CBC105: { severity: "error", title: "bad number" },
  CBC106: { severity: "error", title: "internal parser error" },
  // ---- names
  CBC200: { severity: "error", title: "unknown metric" },
  CBC201: { severity: "warning", title: "metric not usually reported by tfjs" },
  CBC202: { severity: "error", title: "unknown name" },
  CBC203: { severity: "error", title: "unknown function" },
  CBC204: { severity: "error", title: "duplicate name" },
  CBC205: { severity: "error", title: "placeholder names nothing" },
  CBC206: { severity: "error", title: "name shadows a builtin" },
  // ---- types and values
  CBC300: { severity: "error", title: "type mismatch" },
  CBC301: { severity: "error", title: "value out of range" },
  CBC302: { severity: "error", title: "wrong number of arguments" },
  CBC303: { severity: "error", title: "duration used outside elapsed" },
  CBC304: { severity: "error", title: "bad parameter default" },
  CBC305: { severity: "error", title: "bad format spec" },
  // ---- rules and actions
  CBC400: { severity: "error", title: "restore best weights is ambiguous" },
  CBC401: { severity: "warning", title: "action cannot take effect here" },
  CBC402: { severity: "error", title: "assignment to a read-only name" },
  CBC403: { severity: "error", title: "predicate not allowed here" },
  CBC404: { severity: "warning", title: "rule can never fire" },
  // ---- input/output
  CBC500: { severity: "error", title: "cannot read input" },
} as const satisfies Record<string, { severity: "error" | "warning"; title: string }>;

export type DiagnosticCode = keyof typeof catalogue;
