namespace Conjur.EventSourced.NodeAgent.Secrets.Policy;

/// <summary>A policy that cannot be loaded: the message names the line (1-based) and column.</summary>
public sealed class PolicyException(string message, long line, long column)
    : Exception($"line {line}, column {column}: {message}")
{
    public long Line { get; } = line;
    public long Column { get; } = column;
    public string Reason { get; } = message;
}
