namespace Conjur.EventSourced.NodeAgent.Failover;

/// <summary>What a standby concludes after the master is lost.</summary>
public enum FailoverVerdictKind
{
    /// <summary>Not every report is in yet: look again shortly.</summary>
    Wait,

    /// <summary>The preconditions fail: nothing may be promoted for this term.</summary>
    Blocked,

    /// <summary>Someone else should be promoted (further ahead, or the named switchover target).</summary>
    StandBy,

    /// <summary>This node holds every acknowledged commit and may race for the promotion lock.</summary>
    Race,

    /// <summary>
    /// The synchronous standby the master named is behind another standby: it first streams the missing WAL
    /// from that standby (<see cref="FailoverVerdict.From"/>, up to <see cref="FailoverVerdict.Target"/>), then decides again.
    /// </summary>
    CatchUp,
}

public sealed record FailoverVerdict(FailoverVerdictKind Kind, string Reason)
{
    /// <summary>For <see cref="FailoverVerdictKind.CatchUp"/>: the standby to stream from, and the position to reach.</summary>
    public string? From { get; init; }
    public long Target { get; init; }

    public static FailoverVerdict CatchUp(string from, long target, string reason) => new(FailoverVerdictKind.CatchUp, reason) { From = from, Target = target };
    public static FailoverVerdict Wait(string reason) => new(FailoverVerdictKind.Wait, reason);
    public static FailoverVerdict Blocked(string reason) => new(FailoverVerdictKind.Blocked, reason);
    public static FailoverVerdict StandBy(string reason) => new(FailoverVerdictKind.StandBy, reason);
    public static FailoverVerdict Race(string reason) => new(FailoverVerdictKind.Race, reason);
}
