// Generated from grammar/parser.ts by `node scripts/grammar.mjs`: do not edit.
import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface ProgramCstNode extends CstNode {
  name: "program";
  children: ProgramCstChildren;
}

export type ProgramCstChildren = {
  callbackDecl?: CallbackDeclCstNode[];
  statement?: StatementCstNode[];
};

export interface CallbackDeclCstNode extends CstNode {
  name: "callbackDecl";
  children: CallbackDeclCstChildren;
}

export type CallbackDeclCstChildren = {
  callbackHead: CallbackHeadCstNode[];
  statement?: StatementCstNode[];
  RBrace: IToken[];
};

export interface CallbackHeadCstNode extends CstNode {
  name: "callbackHead";
  children: CallbackHeadCstChildren;
}

export type CallbackHeadCstChildren = {
  CallbackKw: IToken[];
  name: IToken[];
  paramList?: ParamListCstNode[];
  LBrace: IToken[];
};

export interface StatementCstNode extends CstNode {
  name: "statement";
  children: StatementCstChildren;
}

export type StatementCstChildren = {
  metricsDecl?: MetricsDeclCstNode[];
  letDecl?: LetDeclCstNode[];
  rule?: RuleCstNode[];
};

export interface MetricsDeclCstNode extends CstNode {
  name: "metricsDecl";
  children: MetricsDeclCstChildren;
}

export type MetricsDeclCstChildren = {
  MetricsKw: IToken[];
  metricName: (MetricNameCstNode)[];
  Comma?: IToken[];
};

export interface MetricNameCstNode extends CstNode {
  name: "metricName";
  children: MetricNameCstChildren;
}

export type MetricNameCstChildren = {
  Identifier?: IToken[];
  QuotedName?: IToken[];
};

export interface LetDeclCstNode extends CstNode {
  name: "letDecl";
  children: LetDeclCstChildren;
}

export type LetDeclCstChildren = {
  LetKw: IToken[];
  name: IToken[];
  Assign: IToken[];
  init: ExpressionCstNode[];
};

export interface ParamListCstNode extends CstNode {
  name: "paramList";
  children: ParamListCstChildren;
}

export type ParamListCstChildren = {
  LParen: IToken[];
  param?: (ParamCstNode)[];
  Comma?: IToken[];
  trailingComma?: IToken[];
  RParen: IToken[];
};

export interface ParamCstNode extends CstNode {
  name: "param";
  children: ParamCstChildren;
}

export type ParamCstChildren = {
  name: IToken[];
  Colon: IToken[];
  paramType: ParamTypeCstNode[];
  Question?: (IToken)[];
  paramRange?: ParamRangeCstNode[];
  Assign?: IToken[];
  default?: ExpressionCstNode[];
};

export interface ParamTypeCstNode extends CstNode {
  name: "paramType";
  children: ParamTypeCstChildren;
}

export type ParamTypeCstChildren = {
  simple?: (IToken)[];
  FnKw?: IToken[];
  LParen?: IToken[];
  arg?: (IToken)[];
  Comma?: IToken[];
  RParen?: IToken[];
  choice?: (IToken)[];
  Pipe?: IToken[];
  list?: IToken[];
  RBracket?: IToken[];
};

export interface ParamRangeCstNode extends CstNode {
  name: "paramRange";
  children: ParamRangeCstChildren;
}

export type ParamRangeCstChildren = {
  InKw?: IToken[];
  open?: (IToken)[];
  lo?: ArithmeticCstNode[];
  Comma?: IToken[];
  hi?: ArithmeticCstNode[];
  close?: (IToken)[];
  bound?: IToken[];
  value?: ArithmeticCstNode[];
};

export interface RuleCstNode extends CstNode {
  name: "rule";
  children: RuleCstChildren;
}

export type RuleCstChildren = {
  whenRule?: WhenRuleCstNode[];
  onRule?: OnRuleCstNode[];
  everyRule?: EveryRuleCstNode[];
  atRule?: AtRuleCstNode[];
};

export interface WhenRuleCstNode extends CstNode {
  name: "whenRule";
  children: WhenRuleCstChildren;
}

export type WhenRuleCstChildren = {
  WhenKw: IToken[];
  condition: ExpressionCstNode[];
  ThenKw: IToken[];
  actions: ActionsCstNode[];
};

export interface OnRuleCstNode extends CstNode {
  name: "onRule";
  children: OnRuleCstChildren;
}

export type OnRuleCstChildren = {
  OnKw: IToken[];
  event: EventCstNode[];
  WhenKw?: IToken[];
  condition?: ExpressionCstNode[];
  ThenKw: IToken[];
  actions: ActionsCstNode[];
};

export interface EventCstNode extends CstNode {
  name: "event";
  children: EventCstChildren;
}

export type EventCstChildren = {
  phase?: (IToken)[];
  edge?: (IToken)[];
};

export interface EveryRuleCstNode extends CstNode {
  name: "everyRule";
  children: EveryRuleCstChildren;
}

export type EveryRuleCstChildren = {
  EveryKw: IToken[];
  count: ArithmeticCstNode[];
  unit?: (IToken)[];
  WhenKw?: IToken[];
  condition?: ExpressionCstNode[];
  ThenKw: IToken[];
  actions: ActionsCstNode[];
};

export interface AtRuleCstNode extends CstNode {
  name: "atRule";
  children: AtRuleCstChildren;
}

export type AtRuleCstChildren = {
  AtKw: IToken[];
  EpochKw: IToken[];
  epoch: ArithmeticCstNode[];
  WhenKw?: IToken[];
  condition?: ExpressionCstNode[];
  ThenKw: IToken[];
  actions: ActionsCstNode[];
};

export interface ActionsCstNode extends CstNode {
  name: "actions";
  children: ActionsCstChildren;
}

export type ActionsCstChildren = {
  action: (ActionCstNode)[];
  Comma?: IToken[];
};

export interface ActionCstNode extends CstNode {
  name: "action";
  children: ActionCstChildren;
}

export type ActionCstChildren = {
  assignAction?: AssignActionCstNode[];
  StopKw?: IToken[];
  restoreAction?: RestoreActionCstNode[];
  saveAction?: SaveActionCstNode[];
  logAction?: LogActionCstNode[];
  tensorboardAction?: TensorboardActionCstNode[];
  printAction?: PrintActionCstNode[];
  callAction?: CallActionCstNode[];
  ProgressKw?: IToken[];
};

export interface AssignActionCstNode extends CstNode {
  name: "assignAction";
  children: AssignActionCstChildren;
}

export type AssignActionCstChildren = {
  target: IToken[];
  op: IToken[];
  value: ExpressionCstNode[];
};

export interface RestoreActionCstNode extends CstNode {
  name: "restoreAction";
  children: RestoreActionCstChildren;
}

export type RestoreActionCstChildren = {
  RestoreKw: IToken[];
  BestKw: IToken[];
  WeightsKw: IToken[];
  OfKw?: IToken[];
  metricName?: MetricNameCstNode[];
};

export interface SaveActionCstNode extends CstNode {
  name: "saveAction";
  children: SaveActionCstChildren;
}

export type SaveActionCstChildren = {
  SaveKw: IToken[];
  what?: (IToken)[];
  ToKw: IToken[];
  path?: (IToken)[];
  KeepKw?: IToken[];
  keep?: ArithmeticCstNode[];
};

export interface LogActionCstNode extends CstNode {
  name: "logAction";
  children: LogActionCstChildren;
}

export type LogActionCstChildren = {
  LogKw: IToken[];
  ToKw: IToken[];
  path?: (IToken)[];
  SeparatorKw?: IToken[];
  separator?: (IToken)[];
  AppendKw?: IToken[];
};

export interface TensorboardActionCstNode extends CstNode {
  name: "tensorboardAction";
  children: TensorboardActionCstChildren;
}

export type TensorboardActionCstChildren = {
  TensorboardKw: IToken[];
  dir?: (IToken)[];
};

export interface PrintActionCstNode extends CstNode {
  name: "printAction";
  children: PrintActionCstChildren;
}

export type PrintActionCstChildren = {
  PrintKw: IToken[];
  text: IToken[];
};

export interface CallActionCstNode extends CstNode {
  name: "callAction";
  children: CallActionCstChildren;
}

export type CallActionCstChildren = {
  CallKw: IToken[];
  hook: IToken[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  operand: (TermCstNode)[];
  operator?: (IToken)[];
};

export interface TermCstNode extends CstNode {
  name: "term";
  children: TermCstChildren;
}

export type TermCstChildren = {
  not?: IToken[];
  left: ArithmeticCstNode[];
  operator?: IToken[];
  right?: ArithmeticCstNode[];
  IsKw?: IToken[];
  negated?: IToken[];
  test?: (IToken)[];
  PlateauKw?: IToken[];
  patience?: ArithmeticCstNode[];
  predicateOption?: (PredicateOptionCstNode)[];
  ImprovesKw?: IToken[];
};

export interface PredicateOptionCstNode extends CstNode {
  name: "predicateOption";
  children: PredicateOptionCstChildren;
}

export type PredicateOptionCstChildren = {
  option?: (IToken)[];
  value?: (ArithmeticCstNode)[];
  EpochKw?: IToken[];
  word?: (IToken)[];
};

export interface ArithmeticCstNode extends CstNode {
  name: "arithmetic";
  children: ArithmeticCstChildren;
}

export type ArithmeticCstChildren = {
  operand: (OperandCstNode)[];
  operator?: (IToken)[];
};

export interface OperandCstNode extends CstNode {
  name: "operand";
  children: OperandCstChildren;
}

export type OperandCstChildren = {
  sign?: IToken[];
  base: PrimaryCstNode[];
  Power?: IToken[];
  exponent?: OperandCstNode[];
};

export interface PrimaryCstNode extends CstNode {
  name: "primary";
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  number?: IToken[];
  string?: IToken[];
  bool?: (IToken)[];
  name?: IToken[];
  callArgs?: CallArgsCstNode[];
  quoted?: IToken[];
  LParen?: IToken[];
  inner?: ExpressionCstNode[];
  RParen?: IToken[];
  LBracket?: IToken[];
  item?: (ExpressionCstNode)[];
  Comma?: IToken[];
  trailingComma?: IToken[];
  RBracket?: IToken[];
};

export interface CallArgsCstNode extends CstNode {
  name: "callArgs";
  children: CallArgsCstChildren;
}

export type CallArgsCstChildren = {
  LParen: IToken[];
  arg?: (ExpressionCstNode)[];
  Comma?: IToken[];
  RParen: IToken[];
};
