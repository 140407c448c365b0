namespace Conjur.EventSourced.Cli.Drill;

/// <summary>One failed write or connection attempt, on the run's clock.</summary>
public sealed record WriteError(TimeSpan At, WriteErrorClass Class, string Message);
