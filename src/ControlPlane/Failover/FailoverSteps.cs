namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>The saga's steps as written on the wire (<c>FailoverFailed.Step</c>), in its stream and in timeouts.</summary>
public static class FailoverSteps
{
    public const string Started = "started";
    public const string SteppingDown = "stepping-down";
    public const string AwaitingLock = "awaiting-lock";
    public const string Promoting = "promoting";
    public const string Rebasing = "rebasing";
    public const string Reenrolling = "reenrolling";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
