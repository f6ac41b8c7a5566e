// The one table of coded diagnostics (like TypeScript's diagnosticMessages.json). No other
// file writes a diagnostic's text: stages pick an entry here and fill its {0}, {1}, ... slots.
// Codes come in blocks of a hundred per stage:
//   GAN00xx  characters and syntax (grammar/)
//   GAN01xx  shapes and layers (compiler/check.ts, compiler/layers/)
//   GAN02xx  names, expressions and arguments
//   GAN03xx  models, blocks and headers
//   GAN04xx  the training section (compiler/train-check.ts)
//   GAN05xx  warnings
//   GAN09xx  the command line, files, internal errors (exit status 2)
// test/diagnostic-table.test.ts fails on a duplicate code or a code that no test triggers.

export type Category = "error" | "warning";

export interface Message {
  readonly code: string;
  readonly category: Category;
  readonly message: string;
}

const error = (code: string, message: string): Message => ({ code, category: "error", message });
const warning = (code: string, message: string): Message => ({ code, category: "warning", message });

export const Diagnostics = {
  // --- GAN00xx: characters and syntax -------------------------------------------------
  UnexpectedCharacter: error("GAN0001", "unexpected character {0}"),
  LookalikeCharacter: error("GAN0002", "`{0}` looks like `{1}` but is another character"),
  SyntaxExpected: error("GAN0003", "expected {0}, found {1}"),
  NestingTooDeep: error("GAN0005", "brackets are nested more than {0} deep"),
  ParameterAfterModel: error("GAN0006", "parameter `{0}` is defined after the first model or block"),
  LayersOutsideModel: error("GAN0007", "layers outside a model"),
  TooManyErrors: error("GAN0008", "more than {0} syntax errors: the rest of the file is not checked"),

  // --- GAN01xx: shapes and layers ------------------------------------------------------
  ChannelMismatch: error("GAN0101", "{0} expects {1} input {2} here, but {3}"),
  DeclaredChannelsMismatch: error("GAN0102", "{0}({1}) expects {1} channels, but {2}"),
  KernelTooLarge: error(
    "GAN0103",
    "{0} kernel does not fit: the padded input is {1} but the dilated kernel is {2} (PyTorch: Kernel size can't be greater than actual input size)",
  ),
  OutputTooSmall: error(
    "GAN0104",
    "convT output would be {0} from an input of {1} (PyTorch: Output size is too small)",
  ),
  OutputPaddingTooLarge: error(
    "GAN0105",
    "output padding {0} must be smaller than either the stride ({1}) or the dilation ({2})",
  ),
  DeclaredOutputMismatch: error("GAN0106", "{0} outputs {1}, but its header declares {2}"),
  CatSizeMismatch: error("GAN0107", "cat joins along channels, so the other sizes must agree: {0}"),
  ReshapeCountMismatch: error("GAN0108", "reshape to {0} needs {1} elements, but the input {2} has {3}"),
  RankMismatch: error("GAN0109", "{0} needs {1}, but the previous layer outputs {2}"),
  ShortHeaderNoShape: error("GAN0110", "{0} has no input shape, and its first layer ({1}) does not imply one"),
  EmptyModel: error("GAN0111", "{0} has no layers"),
  BadDimension: error("GAN0112", "a dimension must be a whole number of at least 1, got {0}"),
  ReshapeBadDims: error("GAN0113", "reshape {0}"),
  TooManyLayers: error("GAN0114", "{0} expands to more than {1} layers"),
  CatNeedsTwo: error("GAN0115", "{0} needs at least two values, got {1}"),
  ElementwiseShapeMismatch: error("GAN0116", "{0} works element by element, so its values must have one shape: {1}"),
  LabelNeedsEmbedding: error("GAN0117", "{0} can't take a class label (a whole number per example)"),
  OutputNeedsName: error("GAN0119", "{0} has several outputs, so each needs a name"),
  OutputNotBound: error("GAN0118", "{0} declares the output `{1}`, but its body never names a value `{1}`"),

  // --- GAN02xx: names, expressions, arguments --------------------------------------------
  UnknownName: error("GAN0201", "unknown name `{0}`"),
  UnknownLayer: error("GAN0202", "unknown layer `{0}`"),
  InexactDivision: error("GAN0203", "{0} / {1} does not divide exactly ({2})"),
  DivisionByZero: error("GAN0204", "division by zero: {0} / 0"),
  NotAnInteger: error("GAN0205", "{0} must be a whole number, got {1}"),
  OutOfRange: error("GAN0206", "{0} must be {1}, got {2}"),
  NumberTooLarge: error("GAN0207", "{0} is too large: whole numbers must stay below 2^53"),
  DuplicateDefinition: error("GAN0208", "`{0}` is already defined"),
  UnexpectedArgument: error("GAN0209", "{0} does not take {1}"),
  MissingArgument: error("GAN0210", "{0} needs {1}"),
  DuplicateArgument: error("GAN0211", "{0} is given twice"),
  UnknownKeyword: error("GAN0212", "{0} has no argument `{1}`"),
  BlockArgumentCount: error("GAN0213", "block {0} takes {1}, but the call gives {2}"),
  RecursiveBlock: error("GAN0214", "block {0} calls itself ({1})"),
  NotAValue: error("GAN0215", "`{0}` is {1}, not a value of this model"),
  UnknownFunction: error("GAN0218", "unknown function `{0}`"),
  Log2NotWhole: error("GAN0219", "log2({0}) is not a whole number"),
  NameTaken: error("GAN0220", "`{0}` is {1}; a value can't take its name"),
  BindingInLoop: error("GAN0221", "`{0} =` inside a for loop: a loop body is a chain of layers"),
  LoopTooLong: error("GAN0222", "this loop runs {0} times; at most {1} are allowed"),
  WrongValueKind: error("GAN0223", "{0} must be {1}, got {2}"),
  SeveralInputs: error("GAN0224", "{0} has several inputs, so its first line must start from one of them or from cat(...)"),
  BadRange: error("GAN0225", "for loops take range(N), range(START, STOP) or range(START, STOP, STEP): {0}"),
  ValueNotNumber: error("GAN0226", "`{0}` names a value of the model, not a number"),
  NotSupported: error("GAN0227", "`{0}` ({1}) is not supported"),

  // --- GAN03xx: models, blocks, headers ------------------------------------------------
  DuplicateModel: error("GAN0301", "a model named `{0}` is already defined"),
  BlockHidesLayer: error("GAN0302", "block `{0}` has the name of a built-in layer"),
  DuplicateBlock: error("GAN0303", "a block named `{0}` is already defined"),
  DuplicateInput: error("GAN0304", "input `{0}` is declared twice"),
  DuplicateOutput: error("GAN0305", "output `{0}` is declared twice"),

  // --- GAN04xx: the training section -----------------------------------------------------
  SecondTrainSection: error("GAN0401", "a second `train:` section: a spec has one"),
  ModelArity: error("GAN0402", "{0} takes {1}, but the call gives {2}"),
  TrainShapeMismatch: error("GAN0403", "{0} takes {1} as `{2}`, but gets {3}"),
  BceNeedsProbabilities: error("GAN0404", "bce needs probabilities, but {0} does not end with sigmoid: its outputs are logits"),
  LossNeedsModelOutput: error("GAN0405", "{0} needs the output of a model as its first argument, not {1}"),
  LossShapeMismatch: error("GAN0406", "{0} compares {1} with {2}: the shapes differ"),
  LabelOutOfRange: error("GAN0407", "a {0} target must be between 0 and 1, got {1}"),
  NotALoss: error("GAN0408", "a step's value must be a loss, got {0}"),
  NotAModel: error("GAN0409", "`{0} {1}`: the spec has no model `{1}`"),
  NothingToTrain: error("GAN0410", "{0} has no parameters to train"),
  LossIgnoresModel: error("GAN0411", "the loss of `step {0}` does not depend on {0}: the step would change nothing"),
  DuplicateStep: error("GAN0412", "{0} already has {1}"),
  TrainMissing: error("GAN0413", "the training section has no {0}"),
  EpochsAndIters: error("GAN0414", "give `epochs` or `iters`, not both"),
  DataNames: error("GAN0415", "{0} gives {1}, but the line names {2}"),
  SecondDataSource: error("GAN0416", "a second data source: the training section reads one"),
  NoTrainSection: error("GAN0417", "{0} has no `train:` section, so there is nothing to train"),
  BadSample: error("GAN0418", "`sample` must name a value that a model computes, got {0}"),
  OptimWithoutStep: error("GAN0419", "`optim {0}`: {0} has no step"),
  LabNeedsColour: error("GAN0420", "lab() needs colour pictures (3 channels), but {0} gives {1}"),
  NotAValueHere: error("GAN0421", "{0} is {1}, not a tensor: it can't be used here"),
  SeveralOutputs: error("GAN0422", "{0} returns {1} outputs ({2}), so its call is not one tensor"),
  LabelsMismatch: error("GAN0423", "{0} takes {1} as `{2}`, but gets {3}"),
  PenaltyModel: error("GAN0424", "{0} needs a model with one picture input, but {1}"),
  OptimModels: error("GAN0425", "`optim {0}` does not match a step: {1}"),
  EmaWithoutStep: error("GAN0426", "`ema {0}`: {0} has no step, so its average would never move"),
  HingeTarget: error("GAN0427", "hinge's target is 1 (real) or -1 (fake), got {0}"),
  CeMismatch: error("GAN0428", "ce compares class scores {0} with {1}: {2}"),

  // --- GAN05xx: warnings -----------------------------------------------------------------
  UnusedValue: warning("GAN0501", "value `{0}` is never used"),
  BiasBeforeBatchNorm: warning("GAN0502", "the bias of this {0} is cancelled by the bn after it"),
  DeadComputation: warning("GAN0503", "the value this line computes is never used"),
  UnusedParameter: warning("GAN0504", "parameter `{0}` is never used"),
  NoModels: warning("GAN0505", "the spec defines no model"),
  UnusedBlock: warning("GAN0506", "block `{0}` is never used"),
  NoOpArgument: warning("GAN0507", "`{0}` does nothing: {1} has no output padding"),
  DiagnosticsCut: warning("GAN0508", "{0} more diagnostics not shown"),
  DoubleSigmoid: warning("GAN0509", "{0} ends with sigmoid and bce_logits applies another: the loss sees sigmoid(sigmoid(x))"),
  ModelNotTrained: warning("GAN0510", "{0} is used in the losses but never trained (no `step {0} = ...`)"),

  // --- GAN09xx: command line, files, internal errors ----------------------------------------
  CannotRead: error("GAN0901", "cannot read {0}: {1}"),
  UnknownSetParameter: error("GAN0902", "--set {0}: the spec has no parameter `{0}`"),
  BadSetValue: error("GAN0903", "--set {0}: {1}"),
  Usage: error("GAN0904", "{0}"),
  CannotWrite: error("GAN0905", "cannot write {0}: {1}"),
  // The runtime commands (gan-train, gan-sample): the setting, file or folder at fault and what to do.
  BadConfig: error("GAN0906", "--config {0}: {1}"),
  BadFlag: error("GAN0907", "{0} {1}: give {2}"),
  ResumeConflict: error("GAN0908", "{0}"),
  DataProblem: error("GAN0910", "{0}"),
  BackendProblem: error("GAN0911", "--backend {0}: {1}"),
  RunProblem: error("GAN0912", "{0}"),
  CheckpointProblem: error("GAN0913", "{0}"),
  NonFiniteTraining: error("GAN0914", "{0}"),
  WeightsDoNotFit: error("GAN0915", "{0}"),
  TorchMissing: error("GAN0916", "--engine torch needs Python 3 with PyTorch, and none was found (tried {0}): {1}"),
  InternalError: error(
    "GAN0999",
    "internal error: {0}. This is a bug in gan-compile, not in your spec; please report it with the spec",
  ),
} as const satisfies Record<string, Message>;

export type DiagnosticKey = keyof typeof Diagnostics;

/** Hint lines: shown under the caret when a fix is known. Same {0} templating. */
export const Hints = {
  WriteInstead: "write {0}",
  WriteInsteadOr: "write {0}, or {1}",
  DidYouMean: "did you mean `{0}`?",
  ParametersFirst: "define parameters at the top of the file, before any block or model",
  LayersNeedHeader: "start a model first, e.g. `G(z: [100, 1, 1]) -> [3, 64, 64]:`",
  AddFlatten: "add `flatten` before it",
  AddReshape: "add `reshape([C, H, W])` before it",
  ChannelsDownstream: "the previous layer, {0} at {1}, outputs {2}; the layers after expect {3}: make it output {3}",
  BatchNormFix: "write bn({0}), or plain `bn` to take the channels from the previous layer",
  KernelFix: "the input here is {0}{1}: write {2} (the largest kernel that fits), or {3} (pads it to {4})",
  TransposedPaddingFix: "write {0} or less: with more padding nothing is left of the output",
  OutputPaddingFix: "write {0}, or raise the stride to {1}",
  KnownLayers: "layers: {0}",
  AvailableNames: "names here: {0}",
  ExactDivision: "`/` must divide exactly; use a parameter value that makes {0} a multiple of {1}",
  DeclareInput: "write {0}",
  ParameterList: "the spec's parameters: {0}",
  NoParameters: "the spec defines no parameters",
  LayerSignature: "{0}",
  NameTheValue: "name it (`x = ...`) and use it, or remove the line",
  StartLine: "start a new line with `{0} ...`",
  AddNobias: "add `nobias` (as DCGAN does): {0} parameters that training can't use",
  UseOutputDeclared: "the last layer outputs {0}; change the layers or write `-> {0}`",
  UseNamedOutputDeclared: "`{0}` is {1}; change the layers or write `{0}: {1}`",
  NameOutputs: "write `-> ({0})` and bind each name in the body (`cls = h linear(...)`)",
  BindOutput: "end a line of the body with it: `{0} = ...`",
  BindOutputs: "name them on a line of their own: `{0} = {1}`",
  LookalikeFix: "write `{0}`",
  PowerOfTwo: "use a power of two",
  LoopBodyChain: "name values outside the loop",
  ChooseAnotherName: "choose another name",
  RemoveOrUse: "remove it, or use it",
  RemoveIt: "remove it",
  UseBceLogits: "write bce_logits(...), which applies the sigmoid itself (and is numerically stabler), or end {0} with sigmoid",
  UseBce: "write bce(...), or remove the sigmoid at the end of {0}",
  TrainExample: "e.g. {0}",
  DataChannels: "the data gives {0}-channel images and {1} takes {2}: {3}",
  ReshapeModel: "add `reshape([{0}])` as the last layer of {1}",
  LabelRange: "labels are probabilities: 1 for real, 0 for fake (0.9 for one-sided label smoothing)",
  TrainFunctions: "{0}",
  LabelsExample: "draw labels with `c = labels({0})`, or read them with the data: `real, y = mnist`",
} as const;

export type HintKey = keyof typeof Hints;

export function format(template: string, args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => {
    const v = args[Number(i)];
    return v === undefined ? m : String(v);
  });
}
