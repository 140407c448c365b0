namespace Conjur.EventSourced.Cli.Drill;

/// <summary>The drill cannot start or go on (no master, etcd silent, no write gets through); the message says what to look at.</summary>
public sealed class DrillException : Exception
{
    public DrillException() { }
    public DrillException(string message) : base(message) { }
    public DrillException(string message, Exception inner) : base(message, inner) { }
}
