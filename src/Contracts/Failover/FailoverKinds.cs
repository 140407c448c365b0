namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>Why a failover runs: the words used on the wire and in the saga's stream.</summary>
public static class FailoverKinds
{
    /// <summary>The master's lease ended and a synchronous standby won the promotion lock.</summary>
    public const string Automatic = "automatic";

    /// <summary>An operator moved the master on purpose (<c>switchover --to NODE</c>): no write is lost.</summary>
    public const string Switchover = "switchover";

    /// <summary>An operator promoted a node without the preconditions (<c>promote NODE --force</c>): writes may be lost.</summary>
    public const string Forced = "forced";
}
