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
}

public sealed record FailoverVerdict(FailoverVerdictKind Kind, string Reason)
{
    public static FailoverVerdict Wait(string reason) => new(FailoverVerdictKind.Wait, reason);
    public static FailoverVerdict Blocked(string reason) => new(FailoverVerdictKind.Blocked, reason);
    public static FailoverVerdict StandBy(string reason) => new(FailoverVerdictKind.StandBy, reason);
    public static FailoverVerdict Race(string reason) => new(FailoverVerdictKind.Race, reason);
}
