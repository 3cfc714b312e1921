// The names one callback class sees: its lets, params, the builtins, and the
// metrics (declared, or whatever tfjs reports), with the did-you-mean lists.
import { didYouMean } from "../util/suggest.js";
import type { LetDecl, Span } from "../syntax/ast.js";
import { TFJS_REPORTED_METRICS, isUsuallyReported } from "./metrics.js";
import { BUILTINS, isBuiltin, type BuiltinName } from "./names.js";
import { canonicalMetric, type CheckedParam, type MetricRef } from "./program.js";
import type { CheckReporter } from "./report.js";

/** A name that is not a metric: let variable, param or builtin, in that order. */
export type LocalName =
  | { kind: "let"; decl: LetDecl }
  | { kind: "param"; param: CheckedParam }
  | { kind: "builtin"; name: BuiltinName };

export function metricKey(ref: MetricRef): string {
  return ref.kind === "literal" ? `metric:${ref.name}` : `param:${ref.param}`;
}

/** How a message names a metric ref: the metric, or the param that holds it. */
export function showMetric(ref: MetricRef): string {
  return ref.kind === "literal" ? ref.name : ref.param;
}

export class Scope {
  private readonly warned = new Set<string>();
  private cachedCandidates: string[] | undefined;

  constructor(
    private readonly reporter: CheckReporter,
    readonly params: ReadonlyMap<string, CheckedParam>,
    readonly lets: ReadonlyMap<string, LetDecl>,
    readonly declaredMetrics: ReadonlySet<string> | undefined,
  ) {}

  lookup(name: string): LocalName | undefined {
    const decl = this.lets.get(name);
    if (decl) return { kind: "let", decl };
    const param = this.params.get(name);
    if (param) return { kind: "param", param };
    if (isBuiltin(name)) return { kind: "builtin", name };
    return undefined;
  }

  /** Every name a did-you-mean may offer: metrics (declared, else those tfjs reports), params, lets, builtins. */
  candidates(): string[] {
    this.cachedCandidates ??= [
      ...(this.declaredMetrics ?? TFJS_REPORTED_METRICS),
      ...this.params.keys(),
      ...this.lets.keys(),
      ...BUILTINS,
    ];
    return this.cachedCandidates;
  }

  /** true when the name is a metric this class may read without a diagnostic. */
  isKnownMetric(name: string): boolean {
    const canonical = canonicalMetric(name);
    return this.declaredMetrics ? this.declaredMetrics.has(canonical) : isUsuallyReported(canonical);
  }

  /**
   * A name taken as a metric. With declared metrics an unknown one is CBC200;
   * without, a name tfjs does not usually report is warned about (CBC201) once
   * per class, and never for backquoted names, which the user spelled deliberately.
   */
  metric(name: string, span: Span, quoted: boolean): MetricRef {
    const canonical = canonicalMetric(name);
    const ref: MetricRef = { kind: "literal", name: canonical };
    if (this.declaredMetrics) {
      if (!this.declaredMetrics.has(canonical)) {
        const declared = [...this.declaredMetrics].join(", ");
        this.reporter.report(
          "CBC200",
          span,
          `unknown metric \`${name}\`: the declared metrics are ${declared}`,
          didYouMean(name, this.candidates()) ?? `if the fit loop reports \`${name}\`, add it to the \`metrics\` declaration`,
        );
      }
    } else if (!quoted && !isUsuallyReported(canonical) && !this.warned.has(canonical)) {
      this.warned.add(canonical);
      this.reporter.report(
        "CBC201",
        span,
        `tfjs does not usually report a metric named \`${name}\`; the callback will check at train begin that the fit loop reports it`,
        didYouMean(name, this.candidates()) ??
          "declare the metrics your model reports, e.g. `metrics loss, val_loss`, to have names checked when compiling",
      );
    }
    return ref;
  }
}
